-- The runs in $run_ids, still marked running, died without finishing (their process is gone).
UPDATE runs SET status = 'crashed', message = 'the process ended before the run finished; its committed batches are kept'
WHERE status = 'running' AND list_contains($run_ids, run_id);
