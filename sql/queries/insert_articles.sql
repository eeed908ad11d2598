-- Store a batch of cleaned, validated articles (Arrow table `batch`).
INSERT INTO articles (article_id, raw_id, source, url, title, author, published_date, language, text,
                      word_count, site_name, extractor, warnings, run_id, cleaned_at, code_version)
SELECT article_id, raw_id, source, url, title, author, published_date, language, text,
       word_count, site_name, extractor, warnings, $run_id, now(), $code_version
FROM batch
ON CONFLICT DO NOTHING;
