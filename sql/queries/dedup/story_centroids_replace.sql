-- Replace the centroids of the stories in `batch` (story_id, term, weight).
DELETE FROM story_centroids WHERE story_id IN (SELECT DISTINCT story_id FROM batch);
INSERT INTO story_centroids (story_id, term, weight) SELECT story_id, term, weight FROM batch;
