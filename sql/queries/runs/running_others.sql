-- Runs other than $run_id still marked running, with where they ran (a shared lake's run start
-- checks which of them are this machine's dead processes: storage/runs.py).
SELECT run_id, host, pid FROM runs WHERE status = 'running' AND run_id <> $run_id ORDER BY started_at;
