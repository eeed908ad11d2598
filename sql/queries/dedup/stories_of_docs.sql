-- Current story of the stored articles in `batch` (doc_no).
SELECT d.doc_no, s.story_id
FROM dedup_docs AS d JOIN stories AS s ON s.article_id = d.article_id
WHERE d.doc_no IN (SELECT doc_no FROM batch);
