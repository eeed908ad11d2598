-- Articles in arrival order, a page at a time ($offset, $limit): the input of a dedup rebuild. A
-- batch's rows share one ingested_at; inside it the order dedup first numbered them in
-- (dedup_prior_order, kept by the reset) decides, then the article id (articles it never numbered:
-- quarantined before, cleaned now).
SELECT a.article_id, a.raw_id, a.source, a.url, a.title, a.author, a.published_date, a.language, a.text,
       a.word_count, a.site_name, a.extractor
FROM articles a
JOIN raw_articles r USING (raw_id)
LEFT JOIN dedup_prior_order o ON o.article_id = a.article_id
ORDER BY r.ingested_at, o.doc_no NULLS LAST, a.article_id
LIMIT $limit OFFSET $offset;
