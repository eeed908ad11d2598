-- How many articles the document frequencies count (0 before the first).
SELECT coalesce(max(n_docs), 0) FROM story_corpus;
