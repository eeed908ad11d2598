-- What one run wrote, from the tables themselves (the summary is built from this).
SELECT
  (SELECT count(*) FROM raw_articles WHERE run_id = $run_id)  AS raw,
  (SELECT count(*) FROM articles WHERE run_id = $run_id)      AS articles,
  (SELECT count(*) FROM quarantine WHERE run_id = $run_id)    AS quarantined,
  (SELECT count(*) FROM duplicates WHERE run_id = $run_id)    AS duplicates;
