-- The file of the connection's current database (its name when it has none: in memory, a lake).
SELECT coalesce(path, database_name) FROM duckdb_databases() WHERE database_name = current_database()
