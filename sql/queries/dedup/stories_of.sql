-- Current story of the articles in `batch` (article_id).
SELECT s.article_id, s.story_id FROM stories AS s WHERE s.article_id IN (SELECT article_id FROM batch);
