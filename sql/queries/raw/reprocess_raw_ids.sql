-- The raw documents a reprocess recomputes: all, or those ingested since $since; in ingestion order.
SELECT raw_id FROM raw_articles
WHERE $since IS NULL OR ingested_at >= $since
ORDER BY ingested_at, raw_id;
