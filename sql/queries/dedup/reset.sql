-- Empty every dedup table (fingerprints, index, pairs, duplicates, passages, stories) for a rebuild.
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
