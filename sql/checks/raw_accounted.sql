-- check: raw_accounted
-- severity: error
-- Every raw_articles row is in articles or in quarantine: nothing is dropped
-- without a row saying why. Returns the raw rows that are in neither.
SELECT r.raw_id, r.source, r.run_id
FROM raw_articles AS r
WHERE NOT EXISTS (SELECT 1 FROM articles AS a WHERE a.raw_id = r.raw_id)
  AND NOT EXISTS (SELECT 1 FROM quarantine AS q WHERE q.raw_id = r.raw_id)
ORDER BY r.raw_id;
