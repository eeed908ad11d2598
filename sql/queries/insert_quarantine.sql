-- Set aside a batch of rejected documents (Arrow table `batch`) with the stage and the reason.
INSERT INTO quarantine (raw_id, source, stage, reason, detail, run_id, quarantined_at, code_version)
SELECT raw_id, source, stage, reason, detail, $run_id, now(), $code_version
FROM batch
ON CONFLICT DO NOTHING;
