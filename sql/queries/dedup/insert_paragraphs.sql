INSERT INTO dedup_paragraphs (para_hash, doc_no) SELECT para_hash, doc_no FROM batch;
