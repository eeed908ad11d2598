-- Set aside a batch of rejected documents (Arrow table `batch`) with the stage and the reason;
-- a document already quarantined keeps its first reason (anti-join: works on DuckLake too).
INSERT INTO quarantine (raw_id, source, stage, reason, detail, run_id, quarantined_at, code_version)
SELECT DISTINCT ON (b.raw_id) b.raw_id, b.source, b.stage, b.reason, b.detail, $run_id, now(), $code_version
FROM batch AS b
WHERE NOT EXISTS (SELECT 1 FROM quarantine AS q WHERE q.raw_id = b.raw_id);
