-- A new flow run begins.
INSERT INTO runs (run_id, started_at, status, sources, code_version, kind, since)
VALUES ($run_id, now(), 'running', $sources, $code_version, $kind, $since)
ON CONFLICT (run_id) DO UPDATE SET status = 'running', started_at = now();
