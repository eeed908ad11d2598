INSERT INTO dedup_docs (doc_no, article_id, text_hash, n_tokens, n_shingles, shingles, para_ends, para_hashes,
                        n_entities, published_date, ingested_at, story_date, exact_of, sig_version, run_id, added_at)
SELECT doc_no, article_id, text_hash, n_tokens, n_shingles, shingles, para_ends, para_hashes,
       n_entities, published_date, ingested_at, story_date, exact_of, $sig_version, $run_id, now()
FROM batch;
