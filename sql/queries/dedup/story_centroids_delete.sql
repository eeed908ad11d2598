-- Remove the stored centroids of the stories in `batch` (story_id), before their new ones are inserted.
DELETE FROM story_centroid_lists WHERE story_id IN (SELECT story_id FROM batch);
