-- Articles cleaned by this code version from the same bytes as a batch's documents (Arrow table
-- `batch` of content_hash): a stored copy's result is reused instead of cleaning again
-- (flows/clean/reuse.py compares what else cleaning reads: kind, type, URL, hints).
SELECT r.content_hash, r.size_bytes, r.kind, r.content_type, r.url, r.hints,
       a.url, a.title, a.author, a.published_date, a.language, a.text, a.word_count, a.site_name, a.extractor
FROM raw_articles r
JOIN articles a ON a.raw_id = r.raw_id
WHERE r.content_hash IN (SELECT content_hash FROM batch)
  AND r.read_error IS NULL
  AND a.code_version = $code_version;
