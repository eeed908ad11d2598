-- 009: each story's centroid as one row, its terms and weights as lists (heaviest first when
-- migrated), instead of one row per story and term. A batch rewrote about 100,000 such rows
-- (every story it touched, whole): as lists it writes one row per story, about a fifth of the
-- cost (flows/dedup/stories.py). The view `story_centroids` keeps the old shape for queries.

CREATE TABLE IF NOT EXISTS story_centroid_lists (
    story_id  VARCHAR NOT NULL,
    terms     VARCHAR[] NOT NULL,
    weights   DOUBLE[] NOT NULL   -- weights[i] is the weight of terms[i]
);

INSERT INTO story_centroid_lists (story_id, terms, weights)
SELECT story_id, list(term ORDER BY weight DESC, term), list(weight ORDER BY weight DESC, term)
FROM story_centroids
GROUP BY story_id;

DROP TABLE story_centroids;
