-- 002: deduplication (flows/dedup). Fingerprints persist so a run compares its
-- new articles with the whole stored corpus without re-reading old texts.

-- One row per deduplicated article: what verification needs, as compact blobs.
CREATE TABLE IF NOT EXISTS dedup_docs (
    doc_no          BIGINT PRIMARY KEY,     -- dense internal number, in arrival order
    article_id      VARCHAR NOT NULL UNIQUE,
    text_hash       BIGINT NOT NULL,        -- 63-bit hash of the normalised word sequence (exact copies)
    n_tokens        INTEGER NOT NULL,
    n_shingles      INTEGER NOT NULL,
    shingles        BLOB NOT NULL,          -- uint32 LE shingle hashes, paragraph after paragraph
    para_ends       BLOB NOT NULL,          -- uint32 LE end offset of each paragraph in shingles
    para_hashes     BLOB NOT NULL,          -- int64 LE hash of each paragraph (template detection)
    n_entities      INTEGER NOT NULL DEFAULT 0,
    published_date  DATE,
    ingested_at     TIMESTAMPTZ,            -- canonical order: published, then ingested, then article_id
    story_date      DATE,                   -- published_date, else the ingest day
    exact_of        BIGINT,                 -- doc_no of the first stored article with the same text
    sig_version     VARCHAR NOT NULL,
    run_id          VARCHAR,
    added_at        TIMESTAMPTZ NOT NULL
);

-- LSH band keys of the MinHash signatures (exact copies of a stored text add none).
CREATE TABLE IF NOT EXISTS dedup_bands (
    band_key  BIGINT NOT NULL,
    doc_no    BIGINT NOT NULL
);

-- Sampled shingles (one in 8 by hash): finds articles that share a passage.
CREATE TABLE IF NOT EXISTS dedup_anchors (
    anchor  BIGINT NOT NULL,
    doc_no  BIGINT NOT NULL
);

-- Which article holds which paragraph: paragraph frequency (template text)
-- and the articles to re-check when a paragraph's frequency changes.
CREATE TABLE IF NOT EXISTS dedup_paragraphs (
    para_hash  BIGINT NOT NULL,
    doc_no     BIGINT NOT NULL
);

-- Every verified candidate pair (a_no < b_no) that shares content.
CREATE TABLE IF NOT EXISTS dedup_pairs (
    a_no          BIGINT NOT NULL,
    b_no          BIGINT NOT NULL,
    kind          VARCHAR NOT NULL,         -- exact | near | passage | none
    is_copy       BOOLEAN NOT NULL,
    similarity    DOUBLE NOT NULL,          -- containment of the shorter text's content in the longer
    jaccard       DOUBLE NOT NULL,
    shared        INTEGER NOT NULL,         -- shared content shingles (template paragraphs discounted)
    shared_template INTEGER NOT NULL,       -- shared shingles of template paragraphs
    length_ratio  DOUBLE NOT NULL,
    run_id        VARCHAR,
    checked_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (a_no, b_no)
);

CREATE TABLE IF NOT EXISTS duplicates (
    article_id    VARCHAR PRIMARY KEY,
    canonical_id  VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,         -- exact | near
    similarity    DOUBLE NOT NULL,
    cluster_size  INTEGER,
    run_id        VARCHAR,
    detected_at   TIMESTAMPTZ DEFAULT now()
);

-- When an earlier-published copy arrives later, the cluster is re-pointed: one row per change.
CREATE TABLE IF NOT EXISTS duplicate_canonical_changes (
    article_id        VARCHAR NOT NULL,
    old_canonical_id  VARCHAR,              -- NULL: the article was itself canonical
    new_canonical_id  VARCHAR,              -- NULL: the article is now canonical (no duplicates row)
    run_id            VARCHAR,
    changed_at        TIMESTAMPTZ NOT NULL
);

-- Articles that share passages without being copies (article_id < other_id).
CREATE TABLE IF NOT EXISTS passages (
    article_id        VARCHAR NOT NULL,
    other_id          VARCHAR NOT NULL,
    shared_shingles   INTEGER NOT NULL,
    share_of_article  DOUBLE NOT NULL,      -- of article_id's content shingles
    share_of_other    DOUBLE NOT NULL,
    run_id            VARCHAR,
    detected_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (article_id, other_id)
);

CREATE TABLE IF NOT EXISTS stories (
    story_id    VARCHAR NOT NULL,
    article_id  VARCHAR PRIMARY KEY
);

-- Named-entity-like features (capitalised phrases) for grouping stories.
CREATE TABLE IF NOT EXISTS story_entities (
    entity      BIGINT NOT NULL,
    doc_no      BIGINT NOT NULL,
    story_date  DATE
);
