-- The fetch ledger: URLs fetched successfully by earlier runs, skipped unless --refetch.
SELECT source FROM raw_articles
WHERE read_error IS NULL AND (source LIKE 'http://%' OR source LIKE 'https://%');
