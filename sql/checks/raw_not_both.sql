-- check: raw_not_both
-- severity: error
-- A raw row is either an article or quarantined, never both.
-- Returns the raw ids found in both tables.
SELECT a.raw_id, a.article_id, q.stage, q.reason
FROM articles AS a
JOIN quarantine AS q ON q.raw_id = a.raw_id
ORDER BY a.raw_id;
