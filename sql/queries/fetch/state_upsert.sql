-- Record this run's polls (`batch`: url, etag, last_modified, last_status, checked_at).
-- A 304 keeps the stored validators (the server may omit them on a 304) and fetched_at.
-- MERGE rather than ON CONFLICT: DuckLake tables have no keys to conflict on.
MERGE INTO fetch_state
USING batch AS b
ON fetch_state.url = b.url
WHEN MATCHED AND b.last_status = 304 THEN UPDATE SET
    etag = coalesce(b.etag, fetch_state.etag), last_modified = coalesce(b.last_modified, fetch_state.last_modified),
    last_status = 304, checked_at = b.checked_at, run_id = $run_id
WHEN MATCHED THEN UPDATE SET
    etag = b.etag, last_modified = b.last_modified, last_status = b.last_status,
    fetched_at = b.checked_at, checked_at = b.checked_at, run_id = $run_id
WHEN NOT MATCHED THEN INSERT (url, etag, last_modified, last_status, fetched_at, checked_at, run_id)
    VALUES (b.url, b.etag, b.last_modified, b.last_status,
            CASE WHEN b.last_status = 200 THEN b.checked_at END, b.checked_at, $run_id);
