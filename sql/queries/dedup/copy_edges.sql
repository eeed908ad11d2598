-- Copy edges touching the articles in `batch` (doc_no).
SELECT a_no, b_no, similarity, kind
FROM dedup_pairs
WHERE is_copy AND (a_no IN (SELECT doc_no FROM batch) OR b_no IN (SELECT doc_no FROM batch));
