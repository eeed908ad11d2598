"""Everything that touches the database: connections, schema, SQL files, lake, and the rows
of runs, the raw layer and a batch's output.

    connection  open with retries, short transactions, one run per file
    migrations  sql/migrations and sql/views, applied once per run
    sqlfiles    SQL files by name; an Arrow table seen by a query as ``batch``
    extensions  DuckDB extensions from the installed packages
    lake        DuckLake storage (Parquet files plus a catalog)
    writes      a batch's rows: raw layer, articles, quarantine, check results
    raw         reading the raw layer and stored articles back
    runs        the ``runs`` rows
"""
from __future__ import annotations

from .connection import DatabaseBusy, RunInProgress, command_lock, connect, run_lock, settings_for, shared_writers, transaction, writer_lock
from .migrations import SchemaTooNew, apply_migrations, migration_files
from .sqlfiles import execute_script, insert_arrow, load_sql, query, query_arrow, with_batch

__all__ = [
    "DatabaseBusy", "RunInProgress", "SchemaTooNew", "apply_migrations", "connect", "execute_script", "insert_arrow", "load_sql", "migration_files", "query",
    "query_arrow", "command_lock", "run_lock", "settings_for", "shared_writers", "transaction", "with_batch", "writer_lock",
]
