-- BM25 full-text search over title and text. Parameters: $query (words), $limit.
-- The same from any SQL client, after LOAD fts:
--   SELECT title, fts_main_articles.match_bm25(article_id, 'north korea') AS score
--   FROM articles WHERE score IS NOT NULL ORDER BY score DESC LIMIT 10;
SELECT *
FROM (
    SELECT a.article_id, a.title, a.published_date, a.source,
           round(fts_main_articles.match_bm25(a.article_id, $query), 4) AS score,
           d.canonical_id AS duplicate_of,
           left(a.text, 160) AS snippet
    FROM articles a LEFT JOIN duplicates d USING (article_id)
)
WHERE score IS NOT NULL
ORDER BY score DESC, article_id
LIMIT $limit;
