-- Store centroids (`batch`: story_id, terms, weights: one row per story); the stories' old rows were deleted first.
INSERT INTO story_centroid_lists (story_id, terms, weights) SELECT story_id, terms, weights FROM batch;
