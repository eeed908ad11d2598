-- Stories whose centroid holds one of the terms in `batch` (term): the candidates of a batch.
SELECT DISTINCT c.story_id
FROM (SELECT story_id, unnest(terms) AS term FROM story_centroid_lists) AS c
WHERE c.term IN (SELECT term FROM batch);
