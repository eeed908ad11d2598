-- Put articles in stories (`batch`: story_id, article_id); an article already placed moves.
MERGE INTO stories
USING batch AS b
ON stories.article_id = b.article_id
WHEN MATCHED THEN UPDATE SET story_id = b.story_id
WHEN NOT MATCHED THEN INSERT (story_id, article_id) VALUES (b.story_id, b.article_id);
