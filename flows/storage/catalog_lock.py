"""One write transaction at a time per lake catalog, across processes and machines.

Several ``newsflow run`` processes may share one DuckLake (a PostgreSQL
catalog and a shared data path). Cleaning, the expensive part, runs in
parallel; each write transaction (the runs row, a batch's rows plus its
dedup, the run checks) takes this lock first, so every batch deduplicates
against everything committed before it and the tables end as one run's
would. Creating a fresh catalog is serialised by the same lock (two processes
ATTACHing one empty catalog at once collide on ``ducklake_metadata``).

- PostgreSQL catalog: a session-level advisory lock (``pg_advisory_lock``)
  on the catalog's database, held on its own connection (asyncpg). PostgreSQL
  drops it when the holder's session ends, so a writer killed with -9 never
  blocks the others.
- SQLite or DuckDB-file catalog: ``flock`` on ``<catalog>.lock`` (one machine);
  the OS drops it when the process dies.
- A plain DuckDB database needs nothing: DuckDB itself allows one writer.

The lock is re-entrant within a thread (a transaction that opens a
connection which migrates takes it once).
"""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import shlex
import threading
from pathlib import Path
from typing import Iterator

from ..settings import Settings

# One fixed 64-bit key per catalog database: "newsflow catalog writer".
LOCK_KEY = int.from_bytes(hashlib.sha256(b"newsflow catalog writer").digest()[:8], "big", signed=True)

_held = threading.local()  # spec -> depth, for this thread


def is_postgres(spec: str) -> bool:
    return spec.startswith(("postgres:", "postgresql:"))


def connect_kwargs(spec: str) -> dict:
    """asyncpg's connect() arguments from a DuckLake ``postgres:`` catalog spec.

    The spec is libpq's ``key=value`` form (``dbname=news host=db port=5432 user=...``)
    or a ``postgresql://`` URL; what is not given comes from the PG* environment,
    as for DuckDB's own connection."""
    body = spec.split(":", 1)[1].strip()
    if "://" in body:
        return {"dsn": body}
    names = {"dbname": "database", "host": "host", "port": "port", "user": "user", "password": "password",
             "hostaddr": "host", "passfile": "passfile", "sslmode": "ssl"}
    out: dict = {}
    for part in shlex.split(body):
        key, _, value = part.partition("=")
        if key in names:
            out[names[key]] = int(value) if key == "port" else value
    return out


class _PostgresLock:
    """An advisory lock on its own PostgreSQL session, driven from a private event loop
    (callers are plain threads, some of them inside Prefect's own loop)."""

    def __init__(self, spec: str):
        self.kwargs = connect_kwargs(spec)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="catalog-lock", daemon=True)
        self.conn = None

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def acquire(self) -> None:
        import asyncpg

        self.thread.start()
        try:
            self.conn = self._run(asyncpg.connect(**self.kwargs, timeout=60))
            self._run(self.conn.execute("SELECT pg_advisory_lock($1)", LOCK_KEY))
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        try:
            if self.conn is not None:
                with contextlib.suppress(Exception):  # closing the session drops the lock in any case
                    self._run(self.conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY))
                self._run(self.conn.close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join()
            self.loop.close()


class _FileLock:
    def __init__(self, path: Path):
        self.path = path
        self.fh = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(self.path, "a+")
        fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX)

    def release(self) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
        self.fh.close()


def _lock_for(spec: str):
    from .lake import catalog_file

    if is_postgres(spec):
        return _PostgresLock(spec)
    return _FileLock(Path(str(catalog_file(spec)) + ".lock"))


@contextlib.contextmanager
def catalog_lock(settings: Settings) -> Iterator[None]:
    """Hold the lake's writer lock for the block (a no-op for a plain DuckDB database)."""
    if settings.storage != "ducklake":
        yield
        return
    from .lake import catalog_spec

    spec = catalog_spec(settings)
    depth = getattr(_held, "depth", None)
    if depth is None:
        depth = _held.depth = {}
    if depth.get(spec):
        depth[spec] += 1
        try:
            yield
        finally:
            depth[spec] -= 1
        return
    lock = _lock_for(spec)
    lock.acquire()
    depth[spec] = 1
    try:
        yield
    finally:
        depth[spec] = 0
        lock.release()
