-- 001: the core tables of the contract.
-- Applied once, in order, by flows/db.py; recorded in schema_migrations.

CREATE TABLE IF NOT EXISTS runs (
    run_id        VARCHAR PRIMARY KEY,      -- the Prefect flow run id
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL,         -- running | completed | failed | crashed
    sources       VARCHAR[],
    code_version  VARCHAR,
    n_read        INTEGER DEFAULT 0,        -- documents read from the sources
    n_new         INTEGER DEFAULT 0,        -- of which not seen before (new raw_articles rows)
    n_articles    INTEGER DEFAULT 0,
    n_quarantined INTEGER DEFAULT 0,
    n_duplicates  INTEGER DEFAULT 0,
    counts        JSON,                     -- per stage: in, out, rejected by reason
    message       VARCHAR
);

-- The raw layer: every document as received, kept so later stages can be
-- recomputed without fetching anything again.
CREATE TABLE IF NOT EXISTS raw_articles (
    raw_id        VARCHAR PRIMARY KEY,      -- hash of source and content hash
    source        VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,         -- text | html
    url           VARCHAR,
    content_hash  VARCHAR NOT NULL,         -- sha256 of content
    content       BLOB,
    size_bytes    BIGINT NOT NULL,
    content_type  VARCHAR,
    hints         JSON,                     -- title/published/author given by the source (JSON, feed, WARC)
    read_error    VARCHAR,                  -- set when the source could not be read whole
    fetched_at    TIMESTAMPTZ,
    run_id        VARCHAR NOT NULL,
    ingested_at   TIMESTAMPTZ NOT NULL,
    code_version  VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS articles (
    article_id     VARCHAR PRIMARY KEY,
    raw_id         VARCHAR NOT NULL UNIQUE,
    source         VARCHAR NOT NULL,
    url            VARCHAR,
    title          VARCHAR,
    author         VARCHAR,
    published_date DATE,
    language       VARCHAR,
    text           VARCHAR NOT NULL,
    word_count     INTEGER NOT NULL,
    site_name      VARCHAR,
    extractor      VARCHAR,                 -- which cleaner produced the text
    warnings       VARCHAR[],               -- warning-level checks that failed
    run_id         VARCHAR NOT NULL,
    cleaned_at     TIMESTAMPTZ NOT NULL,
    code_version   VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS quarantine (
    raw_id          VARCHAR PRIMARY KEY,
    source          VARCHAR NOT NULL,
    stage           VARCHAR NOT NULL,       -- ingest | raw | clean | validate
    reason          VARCHAR NOT NULL,       -- the check or failure name
    detail          VARCHAR,                -- what was observed, and what to do
    run_id          VARCHAR NOT NULL,
    quarantined_at  TIMESTAMPTZ NOT NULL,
    code_version    VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS dq_results (
    run_id            VARCHAR NOT NULL,
    stage             VARCHAR NOT NULL,     -- raw | clean | dedup | run
    check_name        VARCHAR NOT NULL,
    severity          VARCHAR NOT NULL,     -- error | warning
    success           BOOLEAN NOT NULL,
    observed          VARCHAR,
    unexpected_count  BIGINT,
    element_count     BIGINT,
    batch             INTEGER,
    evaluated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS dq_results_run ON dq_results(run_id);
