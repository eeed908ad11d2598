-- Does the index have our bookkeeping table (fts_rebuild.sql makes it)? An index made by hand or by
-- an older newsflow has not, and is rebuilt once before it can be extended.
SELECT count(*) > 0 FROM duckdb_tables() WHERE schema_name = 'fts_main_articles' AND table_name = 'sync';
