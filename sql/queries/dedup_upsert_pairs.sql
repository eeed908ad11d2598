INSERT OR REPLACE INTO dedup_pairs (a_no, b_no, kind, is_copy, similarity, jaccard, shared, shared_template,
                                    length_ratio, run_id, checked_at)
SELECT a_no, b_no, kind, is_copy, similarity, jaccard, shared, shared_template, length_ratio, $run_id, now()
FROM batch;
