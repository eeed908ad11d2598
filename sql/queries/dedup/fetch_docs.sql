-- Stored fingerprints of the articles in `batch` (doc_no).
SELECT doc_no, article_id, text_hash, shingles, para_ends, para_hashes, published_date, ingested_at
FROM dedup_docs
WHERE doc_no IN (SELECT doc_no FROM batch);
