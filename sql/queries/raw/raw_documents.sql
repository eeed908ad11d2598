-- Raw documents by id (Arrow table `batch` of raw_id), as stored: the input of a reprocess.
SELECT r.raw_id, r.source, r.kind, r.url, r.content_hash, r.content, r.content_encoding, r.size_bytes, r.content_type, r.hints,
       r.read_error, r.fetched_at
FROM raw_articles r SEMI JOIN batch b ON r.raw_id = b.raw_id
ORDER BY r.ingested_at, r.raw_id;
