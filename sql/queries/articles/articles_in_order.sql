-- Articles in ingestion order, a page at a time ($offset, $limit): the input of a dedup rebuild.
SELECT a.article_id, a.raw_id, a.source, a.url, a.title, a.author, a.published_date, a.language, a.text,
       a.word_count, a.site_name, a.extractor
FROM articles a JOIN raw_articles r USING (raw_id)
ORDER BY r.ingested_at, a.article_id
LIMIT $limit OFFSET $offset;
