-- Every article currently pointing at one of the canonicals in `batch` (article_id).
SELECT d.doc_no
FROM duplicates AS dup
JOIN dedup_docs AS d ON d.article_id = dup.article_id
WHERE dup.canonical_id IN (SELECT article_id FROM batch);
