-- Store centroids (`batch`: story_id, term, weight); the stories' old rows were deleted first.
INSERT INTO story_centroids (story_id, term, weight) SELECT story_id, term, weight FROM batch;
