-- check: duplicate_rate
-- severity: warning
-- requires: duplicates
-- The share of this run's articles that are duplicates, against the share
-- among the articles of earlier runs (started before it): a move of more
-- than $max_rate_change (absolute) says a source repeats itself or dedup
-- changed. Both sides need at least $min_articles articles.
-- Returns one row when the rate moved that much.
WITH earlier_runs AS (
    SELECT run_id
    FROM runs
    WHERE started_at < (SELECT started_at FROM runs WHERE run_id = $run_id)
),
rated AS (
    SELECT a.run_id = $run_id AS this_run,
           count(*)            AS n,
           count(d.article_id) AS n_dup
    FROM articles AS a
    LEFT JOIN duplicates AS d ON d.article_id = a.article_id
    WHERE a.run_id = $run_id OR a.run_id IN (SELECT run_id FROM earlier_runs)
    GROUP BY ALL
)
SELECT cur.n                          AS articles,
       cur.n_dup                      AS duplicates,
       round(cur.n_dup / cur.n, 3)    AS rate,
       round(prev.n_dup / prev.n, 3)  AS earlier_rate
FROM rated AS cur, rated AS prev
WHERE cur.this_run AND NOT prev.this_run
  AND cur.n >= $min_articles AND prev.n >= $min_articles
  AND abs(cur.n_dup / cur.n - prev.n_dup / prev.n) > $max_rate_change;
