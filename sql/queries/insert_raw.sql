-- Store a batch of raw documents (Arrow table `batch`); a document already
-- stored (same source and content) is left as it is.
INSERT INTO raw_articles (raw_id, source, kind, url, content_hash, content, size_bytes, content_type,
                          hints, read_error, fetched_at, run_id, ingested_at, code_version)
SELECT raw_id, source, kind, url, content_hash, content, size_bytes, content_type,
       hints::JSON, read_error, fetched_at, $run_id, now(), $code_version
FROM batch
ON CONFLICT DO NOTHING;
