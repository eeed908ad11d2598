-- Work a killed run left unfinished, oldest first.
SELECT task, run_id, created_at FROM pending_work ORDER BY created_at;
