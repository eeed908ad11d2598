-- Runs still marked running when a new run holds the run lock died without finishing (killed, crashed).
UPDATE runs SET status = 'crashed', message = 'the process ended before the run finished; its committed batches are kept'
WHERE status = 'running' AND run_id <> $run_id;
