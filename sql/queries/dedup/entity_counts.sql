SELECT doc_no, n_entities, article_id FROM dedup_docs WHERE doc_no IN (SELECT doc_no FROM batch);
