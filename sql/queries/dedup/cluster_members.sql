-- For the articles in `batch` (doc_no): canonical-order facts and the current canonical.
SELECT d.doc_no, d.article_id, d.text_hash, d.published_date, d.ingested_at, dup.canonical_id
FROM dedup_docs AS d
LEFT JOIN duplicates AS dup ON dup.article_id = d.article_id
WHERE d.doc_no IN (SELECT doc_no FROM batch);
