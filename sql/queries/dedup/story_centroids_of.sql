-- Centroids of the stories in `batch` (story_id): terms and their weights, as lists.
SELECT c.story_id, c.terms, c.weights FROM story_centroid_lists AS c WHERE c.story_id IN (SELECT story_id FROM batch);
