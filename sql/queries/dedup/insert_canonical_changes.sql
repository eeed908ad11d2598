INSERT INTO duplicate_canonical_changes (article_id, old_canonical_id, new_canonical_id, run_id, changed_at)
SELECT article_id, old_canonical_id, new_canonical_id, $run_id, now() FROM batch;
