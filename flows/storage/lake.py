"""DuckLake storage: the same tables and views, kept as Parquet files plus a catalog.

With ``storage = "ducklake"`` a connection is a DuckDB session that ATTACHes
the lake as ``lake`` and ``USE``s it, so every unqualified table name in
``sql/`` resolves to the lake. The catalog is a SQLite file by default (one
machine), a DuckDB file, or PostgreSQL (many writers on many machines); the
data files are Parquet under the data path.

Extensions are loaded from the installed ``duckdb-extension-*`` packages,
never downloaded. DuckLake has no PRIMARY KEY/UNIQUE constraints and no
indexes, so ``portable_ddl`` strips them from the migrations when applying
them to a lake (the SQL in ``sql/queries`` never relies on them: it uses
MERGE and anti-joins instead of ON CONFLICT).
"""
from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import duckdb

from ..settings import Settings
from .extensions import load_extension, quote_literal

LAKE_NAME = "lake"

def catalog_spec(settings: Settings) -> str:
    """What follows ``ducklake:`` in the ATTACH string.

    ``sqlite:PATH`` (default ``<db_path without suffix>.lake.sqlite``),
    ``postgres:dbname=... host=...`` or a plain path (a DuckDB-file catalog)."""
    spec = settings.lake_catalog.strip()
    if not spec:
        stem = _stem(settings)
        return "sqlite:" + str(stem.with_name(stem.name + ".lake.sqlite"))
    if spec.startswith("sqlite:"):
        return "sqlite:" + str(Path(spec[len("sqlite:"):]).expanduser().resolve())
    if spec.startswith(("postgres:", "postgresql:")):
        return spec
    return str(Path(spec).expanduser().resolve())


def data_path(settings: Settings) -> str:
    """Where the Parquet files go (default ``<db_path without suffix>.lake/``)."""
    raw = settings.lake_data_path.strip()
    path = Path(raw).expanduser().resolve() if raw else _stem(settings).with_name(_stem(settings).name + ".lake")
    return str(path) + os.sep


def catalog_file(spec: str) -> Path | None:
    """The local file holding the catalog, or None for a server (PostgreSQL)."""
    if spec.startswith("sqlite:"):
        return Path(spec[len("sqlite:"):])
    if spec.startswith(("postgres:", "postgresql:")):
        return None
    return Path(spec)


def _stem(settings: Settings) -> Path:
    return Path(settings.db_path).expanduser().resolve().with_suffix("")


def attach(con: duckdb.DuckDBPyConnection, settings: Settings, read_only: bool = False) -> None:
    """ATTACH the lake as ``lake`` and make it the default catalog."""
    spec = catalog_spec(settings)
    load_extension(con, "ducklake")
    if spec.startswith("sqlite:"):
        load_extension(con, "sqlite")
    elif spec.startswith(("postgres:", "postgresql:")):
        load_extension(con, "postgres")
    local = catalog_file(spec)
    if local is not None:
        if read_only and not local.exists():
            raise FileNotFoundError(f"No DuckLake catalog at {local}: run `newsflow run` first.")
        local.parent.mkdir(parents=True, exist_ok=True)
        if spec.startswith("sqlite:") and not read_only:
            ensure_wal(local)
    # No data inlining: every row goes to Parquet, so any Parquet reader sees all the data.
    options = [f"DATA_PATH '{quote_literal(data_path(settings))}'", "DATA_INLINING_ROW_LIMIT 0"]
    if read_only:
        options.append("READ_ONLY")
    # ATTACH takes no prepared parameters: the strings come from settings and are quoted.
    try:
        con.execute(f"ATTACH 'ducklake:{quote_literal(spec)}' AS {LAKE_NAME} ({', '.join(options)})")
    except duckdb.InvalidInputException as exc:
        if read_only and "does not exist" in str(exc):  # a server catalog nobody has written yet
            raise FileNotFoundError(f"No DuckLake catalog at {spec}: run `newsflow run` first.") from exc
        raise
    con.execute(f"USE {LAKE_NAME}")


def ensure_wal(path: Path) -> None:
    """Put a SQLite catalog in WAL mode (it stays so: the mode is kept in the file).

    In SQLite's default mode a reader (``newsflow query`` during a run) holds a
    lock that makes the writer's commit fail with "database is locked"; in WAL
    mode readers never block the writer. Needs a local disk (not NFS)."""
    con = sqlite3.connect(path, timeout=10)
    try:
        if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            con.execute("PRAGMA journal_mode=WAL")
    finally:
        con.close()


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's default catalog is a DuckLake."""
    row = con.execute(
        "SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return bool(row) and row[0] == "ducklake"


# --- DDL for a lake --------------------------------------------------------------------

_STRING_OR_COMMENT = re.compile(r"('(?:[^']|'')*')|(--[^\n]*)")
_TABLE_CONSTRAINT = re.compile(r",\s*(?:CONSTRAINT\s+\w+\s+)?(?:PRIMARY\s+KEY|UNIQUE)\s*\([^)]*\)", re.I)
_COLUMN_CONSTRAINT = re.compile(r"\s+(?:PRIMARY\s+KEY|UNIQUE)\b(?!\s*\()", re.I)
_CREATE_INDEX = re.compile(r"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\b", re.I)


def portable_ddl(sql: str) -> str:
    """The DDL without what DuckLake rejects: PRIMARY KEY and UNIQUE constraints
    (column or table level) and CREATE INDEX statements. Comments are dropped;
    string literals are left alone."""
    body = _STRING_OR_COMMENT.sub(lambda m: m.group(1) or "", sql)
    kept = []
    for statement in _split(body):
        if _CREATE_INDEX.match(statement):
            continue
        kept.append(_outside_strings(statement, lambda s: _COLUMN_CONSTRAINT.sub("", _TABLE_CONSTRAINT.sub("", s))))
    return "".join(s + ";\n" for s in kept)


def _split(sql: str) -> list[str]:
    """Statements split on semicolons outside string literals."""
    parts, start = [], 0
    for m in re.finditer(r"'(?:[^']|'')*'|;", sql):
        if m.group(0) == ";":
            parts.append(sql[start:m.start()])
            start = m.end()
    parts.append(sql[start:])
    return [p.strip() for p in parts if p.strip()]


def _outside_strings(sql: str, fn) -> str:
    pieces = re.split(r"('(?:[^']|'')*')", sql)
    return "".join(p if i % 2 else fn(p) for i, p in enumerate(pieces))
