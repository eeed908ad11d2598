-- Stories whose centroid holds one of the terms in `batch` (term): the candidates of a batch.
SELECT DISTINCT c.story_id FROM story_centroids AS c WHERE c.term IN (SELECT term FROM batch);
