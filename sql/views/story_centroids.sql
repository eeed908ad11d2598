-- Each story's centroid, one row per story and term (the shape stored before migration 009).
CREATE OR REPLACE VIEW story_centroids AS
SELECT story_id, unnest(terms) AS term, unnest(weights) AS weight
FROM story_centroid_lists;
