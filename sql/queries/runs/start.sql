-- A new flow run begins (a retried run id is reset to running), on host $host in process $pid.
-- MERGE rather than ON CONFLICT: DuckLake tables have no keys to conflict on.
MERGE INTO runs
USING (SELECT $run_id AS run_id) AS s
ON runs.run_id = s.run_id
WHEN MATCHED THEN UPDATE SET status = 'running', started_at = now(), host = $host, pid = $pid
WHEN NOT MATCHED THEN INSERT (run_id, started_at, status, sources, code_version, kind, since, host, pid)
    VALUES ($run_id, now(), 'running', $sources, $code_version, $kind, $since, $host, $pid);
