-- Remove the passage rows of the pairs in `batch` (article_id, other_id) before writing them again.
DELETE FROM passages
WHERE (article_id, other_id) IN (SELECT (article_id, other_id) FROM batch);
