"""DuckDB connections: open with retries, short write transactions, one run per file.

Write connections are short: the pipeline opens one per batch commit, so
people can query the file between batches. The storage knobs come from the
``Settings`` the caller built; a bare path gets the settings built from the
environment, in the one place settings are built (``Settings.from_env``).
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from pathlib import Path
from typing import Iterator, Union

import duckdb

from ..runlock import RunInProgress, command_lock, held_by_command, run_lock  # noqa: F401 (storage's names)
from ..settings import Settings
from .catalog_lock import catalog_lock
from .extensions import quote_identifier, quote_literal
from .migrations import migrate as apply_schema

Target = Union[str, os.PathLike, Settings]

LOCK_ERRORS = ("Could not set lock", "Conflicting lock", "database is locked")


class DatabaseBusy(RuntimeError):
    """Another process holds the DuckDB file for writing."""


ANNOUNCE_AFTER_S = 1.0  # a wait longer than a reader's usual query is said on stderr


def holder_of(exc: BaseException) -> str:
    """Who holds the file, as DuckDB's lock error names it ("PID 123, /usr/bin/python3"), else
    "another process"."""
    found = re.search(r"held in (.*?) \(PID (\d+)\)", str(exc))
    return f"PID {found.group(2)}, {found.group(1)}" if found else "another process"


def _announce_wait(path: str, holder: str, wait_s: float) -> None:
    """A writer or a run's reader waiting for the file says so: it used to wait (300 s a commit,
    then again to record the failure) without a word while, say, a notebook kept it open."""
    print(f"newsflow: {path} is held by {holder}; waiting up to {wait_s:g} s for it to close the file "
          f"(a newsflow query or run lets go by itself; close another program's connection to it)",
          file=sys.stderr, flush=True)


def _open(path: str, read_only: bool, wait_s: float, on_wait=None) -> duckdb.DuckDBPyConnection:
    """Connect, retrying while another process holds the file; ``on_wait()`` is called once when
    waiting starts (by default a wait past ANNOUNCE_AFTER_S is said on stderr)."""
    started = time.monotonic()
    deadline = started + wait_s
    told = False
    delay = 0.05
    while True:
        try:
            return duckdb.connect(path, read_only=True) if read_only else _open_for_writing(path)
        except duckdb.IOException as exc:  # the file is locked by another process
            if not any(marker in str(exc) for marker in LOCK_ERRORS):
                raise
            holder = holder_of(exc)
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"{path} is held by {holder} (a newsflow run writing a batch, or another program "
                    f"with the file open); waited {wait_s:g} s. Try again when it has closed the file "
                    f"(NEWSFLOW_DB_WAIT_S sets how long a run waits)."
                ) from exc
            if not told and on_wait:
                on_wait()
                told = True
            elif not told and time.monotonic() - started >= min(ANNOUNCE_AFTER_S, wait_s / 2):
                _announce_wait(path, holder, wait_s)
                told = True
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 1.0)


ROW_GROUP_SIZE = 8192  # rows per row group of what a writer appends (DuckDB's default: 122,880)


def _open_for_writing(path: str) -> duckdb.DuckDBPyConnection:
    """The file attached to an in-memory session with small row groups, under the name
    ``duckdb.connect(path)`` gives it, and made the default catalog.

    A checkpoint (every batch's commit) rewrites each row group that rows were appended to,
    whole, and while it does it holds that group's strings about twice (DuckDB's compression
    analysis copies them): with DuckDB's default of 122,880 rows a batch rewrote up to that many
    rows of every table it appended to, so a commit's cost grew with the database until then
    (raw_articles alone: 0.05 CPU-s for the first 2,000 documents, 0.5 s at 20,000) and left the
    replaced blocks as free space in the file. With 8,192 a commit rewrites at most that many
    rows of a table: in a 20,000-document run the flow's process peaked about 80 MB lower than
    with 16,384 and the file was a fifth smaller, in the same time. Smaller groups (2,048)
    saved no more memory and made the statements that scan many groups dearer. The size is
    an ATTACH option, not kept in the file: it applies to what this connection appends. A name
    ATTACH cannot take (a file called ``memory.duckdb``) opens the file directly, with the
    default size."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{quote_literal(path)}' (ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
    except duckdb.IOException:
        con.close()
        raise  # locked by another process: the caller waits and tries again
    except duckdb.Error:
        con.close()
        return duckdb.connect(path)
    # the session's only database besides its own in-memory one (the path DuckDB records is absolute)
    name = con.execute("SELECT database_name FROM duckdb_databases() "
                       "WHERE NOT internal AND database_name <> 'memory'").fetchone()
    con.execute(f"USE {quote_identifier(name[0])}")
    return con


def settings_for(target: Target) -> Settings:
    """The settings a storage call works with: the caller's, or built for a bare path."""
    settings = target if isinstance(target, Settings) else Settings.from_env(db_path=str(target))
    if settings.storage not in {"duckdb", "ducklake"}:
        raise ValueError(f"storage must be 'duckdb' or 'ducklake', not {settings.storage!r}")
    return settings


def connect(target: Target, read_only: bool = False, wait_s: float | None = None, on_wait=None,
            migrate: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the database (a path, or the run's ``Settings``); a read-write open
    applies migrations and views unless ``migrate`` is False (the run did it once).

    Retries while another process holds the file (DuckDB allows one writer
    process, or many readers, never both). With ``storage = "ducklake"`` the
    tables live in the lake (storage/lake.py): a write opens ``db_path`` as the
    host DuckDB file (it keeps the one-writer lock and marks the database as
    created) and ATTACHes the lake; a read uses an in-memory host and attaches
    the lake read-only, so queries never wait for a run."""
    settings = settings_for(target)
    path = settings.db_path
    wait_s = settings.db_wait_s if wait_s is None else wait_s
    if settings.storage == "ducklake":
        con = _connect_lake(path, settings, read_only, wait_s, on_wait, migrate)
    else:
        if not read_only:
            Path(path).resolve().parent.mkdir(parents=True, exist_ok=True)
        elif not Path(path).exists():
            raise FileNotFoundError(f"No database at {path}: run `newsflow run` first, or pass --db PATH.")
        con = _open(path, read_only, wait_s, on_wait)
        if not read_only and migrate:
            try:
                apply_schema(con)
            except BaseException:  # e.g. SchemaTooNew: the file is not left open (and locked) by this process
                con.close()
                raise
    if settings.memory_limit:  # e.g. 2GB; DuckDB spills to disk beyond it
        con.execute("SET memory_limit = ?", [settings.memory_limit])
    return con


def _connect_lake(path: str, settings: Settings, read_only: bool, wait_s: float, on_wait,
                  migrate: bool) -> duckdb.DuckDBPyConnection:
    from . import lake

    if read_only:
        con = duckdb.connect()
    else:
        Path(path).resolve().parent.mkdir(parents=True, exist_ok=True)
        con = _open(path, False, wait_s, on_wait)
    try:
        if read_only:
            lake.attach(con, settings, read_only=True)
        else:  # creating a fresh catalog and migrating it: one process at a time
            with catalog_lock(settings):
                lake.attach(con, settings)
                if migrate:
                    apply_schema(con, lake=True)
    except BaseException:
        con.close()
        raise
    return con


@contextlib.contextmanager
def transaction(target: Target, wait_s: float | None = None, migrate: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short write connection holding one transaction: commit on success,
    roll back on any error, close either way (releasing the file lock).

    On a lake the catalog's writer lock (storage/catalog_lock.py) is held from
    before the transaction starts until it is committed, so concurrent runs
    write one after another and each sees what the others committed."""
    settings = settings_for(target)
    with catalog_lock(settings):
        con = connect(settings, wait_s=wait_s, migrate=migrate)
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


def shared_writers(settings: Settings) -> bool:
    """Whether many runs may write at once, with no run lock: a DuckLake whose catalog is
    PostgreSQL (runs on any machine; the catalog's own lock orders their commits)."""
    from .catalog_lock import is_postgres
    from .lake import catalog_spec

    return settings.storage == "ducklake" and is_postgres(catalog_spec(settings))


def writer_lock(settings: Settings, wait: bool = False) -> contextlib.AbstractContextManager:
    """What a run holds while it writes: the per-file ``run_lock``, except on a DuckLake whose
    catalog is PostgreSQL, where many runs (from any machine) write at once and the catalog's
    own lock (catalog_lock.py) orders their commits; a file lock there would only turn away a
    second run on the same machine, or a no-op run, for nothing."""
    if shared_writers(settings):
        return contextlib.nullcontext()
    if held_by_command(settings.db_path):  # the command took it before the flow started
        return contextlib.nullcontext()
    return run_lock(settings.db_path, wait=wait)


