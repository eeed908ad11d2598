-- check: volume_change
-- severity: warning
-- Articles added by this run against the mean of earlier runs (started
-- before it) that added any: a sharp change (more than $max_ratio times, or
-- less than 1/$max_ratio) says a source broke or changed. Runs that read
-- nothing new are not compared. Returns one row when the change is sharp.
WITH earlier_runs AS (
    SELECT run_id
    FROM runs
    WHERE started_at < (SELECT started_at FROM runs WHERE run_id = $run_id)
),
earlier AS (
    SELECT a.run_id, count(*) AS n
    FROM articles AS a
    JOIN earlier_runs USING (run_id)
    GROUP BY a.run_id
),
compared AS (
    SELECT (SELECT count(*) FROM articles WHERE run_id = $run_id)     AS n_articles,
           (SELECT count(*) FROM raw_articles WHERE run_id = $run_id) AS n_new_raw,
           (SELECT avg(n) FROM earlier)                               AS earlier_mean,
           (SELECT count(*) FROM earlier)                             AS earlier_runs
)
SELECT n_articles,
       round(earlier_mean, 1)              AS earlier_mean,
       earlier_runs,
       round(n_articles / earlier_mean, 2) AS ratio
FROM compared
WHERE n_new_raw > 0
  AND earlier_mean > 0
  AND (n_articles > $max_ratio * earlier_mean OR n_articles < earlier_mean / $max_ratio);
