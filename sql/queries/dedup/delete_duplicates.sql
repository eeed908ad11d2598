DELETE FROM duplicates WHERE article_id IN (SELECT article_id FROM batch);
