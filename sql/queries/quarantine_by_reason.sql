-- Quarantined documents of a run, by stage and reason.
SELECT stage, reason, count(*) AS n, any_value(detail) AS example
FROM quarantine WHERE run_id = $run_id
GROUP BY ALL ORDER BY n DESC;
