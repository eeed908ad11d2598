-- Candidate pairs from the LSH band index: each new article (doc_no >= $first_new)
-- against every earlier article (stored, or earlier in the batch) sharing a band
-- key. At most $max_candidates per new article, the most bands shared first.
WITH new_bands AS (
    SELECT band_key, doc_no FROM dedup_bands WHERE doc_no >= $first_new
),
hits AS (
    SELECT n.doc_no AS b_no, o.doc_no AS a_no, count(*) AS n_bands
    FROM new_bands AS n
    JOIN dedup_bands AS o ON o.band_key = n.band_key AND o.doc_no < n.doc_no
    GROUP BY ALL
)
SELECT a_no, b_no, n_bands
FROM hits
QUALIFY row_number() OVER (PARTITION BY b_no ORDER BY n_bands DESC, a_no) <= $max_candidates;
