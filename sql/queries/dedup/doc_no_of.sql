SELECT doc_no FROM dedup_docs WHERE article_id IN (SELECT article_id FROM batch);
