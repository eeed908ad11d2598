-- Centroid terms of the stories in `batch` (story_id).
SELECT c.story_id, c.term, c.weight FROM story_centroids AS c WHERE c.story_id IN (SELECT story_id FROM batch);
