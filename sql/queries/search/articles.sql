-- BM25 full-text search over title and text. Parameters: $query (words), $limit.
-- Needs the bm25 macro (bm25.sql). The same from the DuckDB shell (`newsflow shell`):
--   SELECT a.title, s.score FROM bm25('north korea') AS s JOIN articles AS a USING (article_id)
--   ORDER BY s.score DESC LIMIT 10;
SELECT a.article_id, a.title, a.published_date, a.source,
       round(s.score, 4) AS score,
       d.canonical_id AS duplicate_of,
       left(a.text, 160) AS snippet
FROM bm25($query) AS s
JOIN articles AS a USING (article_id)
LEFT JOIN duplicates AS d USING (article_id)
ORDER BY round(s.score, 4) DESC, a.article_id
LIMIT $limit;
