-- How many articles hold each paragraph of `batch` (para_hash).
SELECT para_hash, count(*) AS n_docs
FROM dedup_paragraphs
WHERE para_hash IN (SELECT para_hash FROM batch)
GROUP BY para_hash;
