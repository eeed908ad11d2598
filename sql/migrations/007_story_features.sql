-- 007: stories by distinguishing features (flows/dedup/stories.py). Replaces the
-- capitalised-phrase table of 002 with document frequencies and story centroids,
-- so an article is compared with each story as a whole. Databases stored before
-- this migration: `newsflow reprocess` rebuilds their stories.

DROP TABLE IF EXISTS story_entities;

-- How many articles (copies not counted) hold each feature term: its rarity.
CREATE TABLE IF NOT EXISTS story_df (
    term  VARCHAR NOT NULL,
    df    INTEGER NOT NULL
);

-- One row: how many articles the frequencies above count.
CREATE TABLE IF NOT EXISTS story_corpus (
    n_docs  BIGINT NOT NULL
);

-- Each story's centroid (sum of its members' unit vectors), heaviest terms only.
CREATE TABLE IF NOT EXISTS story_centroids (
    story_id  VARCHAR NOT NULL,
    term      VARCHAR NOT NULL,
    weight    DOUBLE NOT NULL
);

-- Each story's size and published range (members with a known date).
CREATE TABLE IF NOT EXISTS story_meta (
    story_id         VARCHAR NOT NULL,
    n_members        INTEGER NOT NULL,
    first_published  DATE,
    last_published   DATE
);
