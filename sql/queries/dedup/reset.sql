-- Empty every dedup table (fingerprints, index, pairs, duplicates, passages, stories) for a rebuild,
-- keeping the order the articles arrived in for it (dedup_prior_order, migration 010). A rebuild
-- killed half way and started again keeps the order copied the first time.
INSERT INTO dedup_prior_order (article_id, doc_no)
SELECT article_id, doc_no FROM dedup_docs
WHERE NOT EXISTS (SELECT 1 FROM dedup_prior_order);
DELETE FROM dedup_docs;
DELETE FROM dedup_bands;
DELETE FROM dedup_anchors;
DELETE FROM dedup_paragraphs;
DELETE FROM dedup_pairs;
DELETE FROM duplicates;
DELETE FROM passages;
DELETE FROM stories;
DELETE FROM story_df;
DELETE FROM story_corpus;
DELETE FROM story_centroid_lists;
DELETE FROM story_meta;
