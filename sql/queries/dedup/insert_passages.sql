INSERT INTO passages (article_id, other_id, shared_shingles, share_of_article, share_of_other, run_id, detected_at)
SELECT article_id, other_id, shared_shingles, share_of_article, share_of_other, $run_id, now()
FROM batch WHERE keep;
