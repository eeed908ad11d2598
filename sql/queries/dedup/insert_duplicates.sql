INSERT INTO duplicates (article_id, canonical_id, kind, similarity, cluster_size, run_id, detected_at)
SELECT article_id, canonical_id, kind, similarity, cluster_size, $run_id, now() FROM batch;
