-- Do the index tables exist (migration 008)? A database written before them has none until a run.
SELECT count(*) > 0
FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = current_schema() AND table_name = 'search_docs';
