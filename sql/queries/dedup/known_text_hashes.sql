-- For the batch's text hashes (Arrow `batch`: text_hash), the first stored article with that text.
SELECT text_hash, min(doc_no) AS doc_no
FROM dedup_docs
WHERE text_hash IN (SELECT text_hash FROM batch)
GROUP BY text_hash;
