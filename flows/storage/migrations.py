"""Schema migrations (``sql/migrations``) and views (``sql/views``), applied in order.

A write connection applies them once per run (``connection.connect`` with
``migrate=True``); later connections of the run skip the check.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from ..settings import SQL_DIR
from .sqlfiles import load_sql


def migration_files() -> list[Path]:
    return sorted((SQL_DIR / "migrations").glob("[0-9][0-9][0-9]_*.sql"))


def view_files() -> list[Path]:
    return sorted((SQL_DIR / "views").glob("*.sql"))


def apply_migrations(con: duckdb.DuckDBPyConnection, lake: bool = False) -> list[str]:
    """Apply every migration not yet recorded, in order, each in one transaction.

    On a DuckLake (``lake``) the DDL goes through ``lake.portable_ddl``
    (no constraints, no indexes); the recorded checksum is the file's."""
    from .lake import portable_ddl

    ddl = portable_ddl if lake else (lambda sql: sql)
    con.execute(ddl(load_sql("schema_migrations")))
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for path in migration_files():
        version = int(path.name[:3])
        if version in done:
            continue
        body = path.read_text(encoding="utf-8")
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(ddl(body))
            con.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, now())",
                [version, path.name, hashlib.sha256(body.encode()).hexdigest()],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(path.name)
    return applied


def create_views(con: duckdb.DuckDBPyConnection, lake: bool = False) -> None:
    """(Re)create the views people query; they are cheap and always current.

    On a DuckLake every catalog change is a snapshot, so a view is replaced
    only when its file changed: the file's checksum is kept as the view's comment."""
    if not lake:
        for path in view_files():
            con.execute(path.read_text(encoding="utf-8"))
        return
    current = dict(con.execute(
        "SELECT view_name, comment FROM duckdb_views() WHERE database_name = current_database()"
    ).fetchall())
    for path in view_files():
        body = path.read_text(encoding="utf-8")
        checksum = hashlib.sha256(body.encode()).hexdigest()
        name = path.stem
        if current.get(name) == checksum:
            continue
        con.execute("BEGIN TRANSACTION")
        con.execute(body)
        con.execute(f"COMMENT ON VIEW {name} IS '{checksum}'")  # a file stem and a hex digest
        con.execute("COMMIT")


def migrate(con: duckdb.DuckDBPyConnection, lake: bool = False) -> None:
    """Bring a write connection's schema and views up to date."""
    apply_migrations(con, lake=lake)
    create_views(con, lake=lake)
