INSERT INTO stories (story_id, article_id) SELECT story_id, article_id FROM batch
ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id;
