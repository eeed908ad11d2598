"""DuckDB access: connections, migrations, SQL files, bulk loads.

The stages know nothing of the database; this module stores their output.
SQL lives in ``sql/`` as files loaded by name, values always go in as
parameters. Write connections are short: the pipeline opens one per batch
commit, so people can query the file between batches.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from functools import cache
from pathlib import Path
from typing import Iterator

import duckdb

from .settings import SQL_DIR, Settings

LOCK_ERRORS = ("Could not set lock", "Conflicting lock", "database is locked")


class DatabaseBusy(RuntimeError):
    """Another process holds the DuckDB file for writing."""


class RunInProgress(RuntimeError):
    """Another ``newsflow run`` is writing to the same database."""


@cache
def load_sql(name: str) -> str:
    """Read ``sql/<name>.sql`` (e.g. ``queries/insert_raw``)."""
    path = SQL_DIR / f"{name}.sql"
    return path.read_text(encoding="utf-8")


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


def _open(path: str, read_only: bool, wait_s: float, on_wait=None) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_s
    told = False
    delay = 0.05
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as exc:  # the file is locked by another process
            if not any(marker in str(exc) for marker in LOCK_ERRORS):
                raise
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"{path} is held by another process (a newsflow run writing a batch?); "
                    f"waited {wait_s:.0f} s. Try again in a moment."
                ) from exc
            if on_wait and not told:
                on_wait()
                told = True
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def storage_settings(path: str | os.PathLike) -> Settings:
    """The storage knobs (``NEWSFLOW_STORAGE``, ``NEWSFLOW_LAKE_*``, ``NEWSFLOW_MEMORY_LIMIT``)
    for a database path."""
    names = ("storage", "lake_catalog", "lake_data_path", "memory_limit")
    env = {name: os.environ.get(f"NEWSFLOW_{name.upper()}") for name in names}
    settings = Settings(db_path=str(path), **{k: v.strip() for k, v in env.items() if v is not None})
    if settings.storage not in {"duckdb", "ducklake"}:
        raise ValueError(f"storage must be 'duckdb' or 'ducklake', not {settings.storage!r}")
    return settings


def connect(path: str | os.PathLike, read_only: bool = False, wait_s: float = 60.0, on_wait=None) -> duckdb.DuckDBPyConnection:
    """Open the database; a read-write open applies migrations and views.

    Retries while another process holds the file (DuckDB allows one writer
    process, or many readers, never both). With ``storage = "ducklake"`` the
    tables live in the lake (flows/lake.py): a write opens ``path`` as the
    host DuckDB file (it keeps the one-writer lock and marks the database as
    created) and ATTACHes the lake; a read uses an in-memory host and attaches
    the lake read-only, so queries never wait for a run."""
    path = str(path)
    settings = storage_settings(path)
    if settings.storage == "ducklake":
        con = _connect_lake(path, settings, read_only, wait_s, on_wait)
    else:
        if not read_only:
            Path(path).resolve().parent.mkdir(parents=True, exist_ok=True)
        elif not Path(path).exists():
            raise FileNotFoundError(f"No database at {path}: run `newsflow run` first, or pass --db PATH.")
        con = _open(path, read_only, wait_s, on_wait)
        if not read_only:
            apply_migrations(con)
            create_views(con)
    if settings.memory_limit:  # e.g. 2GB; DuckDB spills to disk beyond it
        con.execute("SET memory_limit = ?", [settings.memory_limit])
    return con


def _connect_lake(path: str, settings: Settings, read_only: bool, wait_s: float, on_wait) -> duckdb.DuckDBPyConnection:
    from . import lake

    if read_only:
        con = duckdb.connect()
    else:
        Path(path).resolve().parent.mkdir(parents=True, exist_ok=True)
        con = _open(path, False, wait_s, on_wait)
    try:
        lake.attach(con, settings, read_only=read_only)
        if not read_only:
            apply_migrations(con, lake=True)
            create_views(con, lake=True)
    except BaseException:
        con.close()
        raise
    return con


@contextlib.contextmanager
def transaction(path: str | os.PathLike, wait_s: float = 300.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short write connection holding one transaction: commit on success,
    roll back on any error, close either way (releasing the file lock)."""
    con = connect(path, wait_s=wait_s)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.close()


@contextlib.contextmanager
def run_lock(db_path: str | os.PathLike, wait: bool = False) -> Iterator[None]:
    """One ``newsflow run`` at a time per database file.

    A lock file beside the database, held for the whole run; the OS drops it
    when the process dies (even under kill -9), so a crashed run never blocks
    the next one."""
    lock_path = Path(str(db_path) + ".run.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(lock_path, "a+")
    try:
        flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
        try:
            fcntl.flock(fh.fileno(), flags)
        except BlockingIOError as exc:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise RunInProgress(
                f"Another newsflow run is writing to {db_path} ({holder}). "
                "Wait for it to finish (or pass --wait to queue behind it)."
            ) from exc
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


def execute_script(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> None:
    """Run a SQL file of several statements; each gets the parameters it names."""
    for statement in load_sql(name).split(";\n"):
        body = "\n".join(line for line in statement.splitlines() if not line.lstrip().startswith("--")).strip()
        if not body:
            continue
        used = {k: v for k, v in (params or {}).items() if f"${k}" in body}
        con.execute(body, used or None)


def insert_arrow(con: duckdb.DuckDBPyConnection, query_name: str, table, params: list | None = None) -> None:
    """Bulk-load an Arrow table through a named SQL file that reads ``batch``."""
    con.register("batch", table)
    try:
        con.execute(load_sql(query_name), params or [])
    finally:
        con.unregister("batch")
