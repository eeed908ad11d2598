-- Before a reprocess: forget what was derived from the raw documents being recomputed,
-- and all dedup state (rebuilt over every article afterwards, so pairs and canonicals stay consistent).
-- The history tables (runs, dq_results, duplicate_canonical_changes) are kept.
DELETE FROM articles WHERE raw_id IN (SELECT raw_id FROM raw_articles WHERE $since IS NULL OR ingested_at >= $since);
DELETE FROM quarantine WHERE raw_id IN (SELECT raw_id FROM raw_articles WHERE $since IS NULL OR ingested_at >= $since);
