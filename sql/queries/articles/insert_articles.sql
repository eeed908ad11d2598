-- Store a batch of cleaned, validated articles (Arrow table `batch`); an article
-- already stored (same article_id or raw_id) is left as it is (anti-join: works on DuckLake too).
INSERT INTO articles (article_id, raw_id, source, url, title, author, published_date, language, text,
                      word_count, site_name, extractor, warnings, run_id, cleaned_at, code_version)
SELECT DISTINCT ON (b.article_id)
       b.article_id, b.raw_id, b.source, b.url, b.title, b.author, b.published_date, b.language, b.text,
       b.word_count, b.site_name, b.extractor, b.warnings, $run_id, now(), $code_version
FROM batch AS b
WHERE NOT EXISTS (SELECT 1 FROM articles AS a WHERE a.article_id = b.article_id OR a.raw_id = b.raw_id);
