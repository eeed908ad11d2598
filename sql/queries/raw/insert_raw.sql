-- Store a batch of raw documents (Arrow table `batch`); a document already
-- stored (same source and content) is left as it is. An anti-join rather
-- than ON CONFLICT, so it also works on DuckLake (no keys there).
INSERT INTO raw_articles (raw_id, source, kind, url, content_hash, content, content_encoding, size_bytes,
                          content_type, hints, read_error, fetched_at, run_id, ingested_at, code_version)
SELECT DISTINCT ON (b.raw_id)
       b.raw_id, b.source, b.kind, b.url, b.content_hash, b.content, b.content_encoding, b.size_bytes,
       b.content_type, b.hints::JSON, b.read_error, b.fetched_at, $run_id, now(), $code_version
FROM batch AS b
WHERE NOT EXISTS (SELECT 1 FROM raw_articles AS r WHERE r.raw_id = b.raw_id);
