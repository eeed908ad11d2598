-- Record verified pairs (`batch`); a pair checked before is overwritten with the new verdict.
MERGE INTO dedup_pairs
USING batch AS b
ON dedup_pairs.a_no = b.a_no AND dedup_pairs.b_no = b.b_no
WHEN MATCHED THEN UPDATE SET kind = b.kind, is_copy = b.is_copy, similarity = b.similarity, jaccard = b.jaccard,
    shared = b.shared, shared_template = b.shared_template, length_ratio = b.length_ratio,
    run_id = $run_id, checked_at = now()
WHEN NOT MATCHED THEN INSERT (a_no, b_no, kind, is_copy, similarity, jaccard, shared, shared_template,
                              length_ratio, run_id, checked_at)
    VALUES (b.a_no, b.b_no, b.kind, b.is_copy, b.similarity, b.jaccard, b.shared, b.shared_template,
            b.length_ratio, $run_id, now());
