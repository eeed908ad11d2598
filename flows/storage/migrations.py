"""Schema migrations (``sql/migrations``) and views (``sql/views``), applied in order.

A write connection applies them once per run (``connection.connect`` with
``migrate=True``); later connections of the run skip the check.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from ..settings import SQL_DIR
from .sqlfiles import load_sql, query


class SchemaTooNew(RuntimeError):
    """The database records migrations this code does not have: a newer newsflow wrote it."""


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
    done = dict(query(con, "queries/migrations/applied"))
    refuse_unknown(done, con)
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


def refuse_unknown(done: dict[int, str], con: duckdb.DuckDBPyConnection) -> None:
    """Stop before writing when the database records a migration this code lacks: its tables
    are laid out as a newer newsflow left them, and this code would write the old layout
    into them (or fail half-way through a batch). It used to go on as if all were known."""
    known = {int(path.name[:3]) for path in migration_files()}
    unknown = sorted(v for v in done if v not in known)
    if not unknown:
        return
    database = _database_file(con)
    raise SchemaTooNew(
        f"{database} was written by a newer newsflow: it records migration "
        f"{', '.join(done[v] for v in unknown)}, which this code ({max(known):03d} is its last) does not have. "
        "Update newsflow (git pull, then make setup) and run again, or pass --db with another file; "
        "nothing was written."
    )


def _database_file(con: duckdb.DuckDBPyConnection) -> str:
    """The file of the connection's current database (its name when it has none)."""
    rows = query(con, "queries/migrations/database_file")
    return rows[0][0] if rows else "the database"


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
