-- Record work the next run must finish if this one dies before it does (one row per task).
DELETE FROM pending_work WHERE task = $task;
INSERT INTO pending_work (task, run_id, created_at) VALUES ($task, $run_id, now());
