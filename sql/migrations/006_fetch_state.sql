-- 006: validators of fetched URLs (feeds and pages), for conditional GET on the next poll.
-- One row per URL (the final URL after redirects): its ETag and Last-Modified as the
-- server sent them, sent back as If-None-Match / If-Modified-Since; a 304 answer costs
-- no download and no row. Written at the end of a run whose batches all committed, so a
-- crashed run never leaves validators for documents that were not stored.
CREATE TABLE IF NOT EXISTS fetch_state (
    url            VARCHAR PRIMARY KEY,
    etag           VARCHAR,
    last_modified  VARCHAR,
    last_status    INTEGER,      -- 200 (fetched) or 304 (not modified) at the last poll
    fetched_at     TIMESTAMPTZ,  -- the last 200
    checked_at     TIMESTAMPTZ,  -- the last poll, 200 or 304
    run_id         VARCHAR
);
