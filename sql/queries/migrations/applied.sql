-- The migrations recorded in a database: version and file name.
SELECT version, name FROM schema_migrations ORDER BY version
