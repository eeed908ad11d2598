-- The database, how many articles the document frequencies count, and how many stories are
-- stored: with the next doc_no, what tells a run's next batch that its kept stories are current.
SELECT (SELECT path FROM duckdb_databases() WHERE database_name = current_database()),
       (SELECT coalesce(max(n_docs), 0) FROM story_corpus),
       (SELECT count(*) FROM story_meta);
