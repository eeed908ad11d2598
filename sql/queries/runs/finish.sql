-- A flow run ends: its status and what it did.
UPDATE runs SET finished_at = now(), status = $status, n_read = $n_read, n_new = $n_new,
       n_articles = $n_articles, n_quarantined = $n_quarantined, n_duplicates = $n_duplicates,
       counts = $counts::JSON, message = $message
WHERE run_id = $run_id;
