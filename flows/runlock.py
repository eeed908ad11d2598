"""One ``newsflow run`` at a time per database file: a lock file beside it.

Outside the storage package on purpose: the command takes the lock before it starts the temporary
Prefect API, and this module imports neither DuckDB nor Arrow (0.2 s the API's start waited for).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Iterator

from .settings import Settings


class RunInProgress(RuntimeError):
    """Another ``newsflow run`` is writing to the same database (``holder``: "pid N")."""

    def __init__(self, message: str, holder: str = "another process") -> None:
        super().__init__(message)
        self.holder = holder


_HELD_BY_COMMAND: set[str] = set()  # run locks the command holds for its whole run (command_lock)


def _lock_key(db_path: str | os.PathLike) -> str:
    return os.path.abspath(str(db_path) + ".run.lock")


def held_by_command(db_path: str | os.PathLike) -> bool:
    """Whether this command holds the database's run lock already (the flow's own lock is then a no-op)."""
    return _lock_key(db_path) in _HELD_BY_COMMAND


@contextlib.contextmanager
def command_lock(settings: Settings, wait: bool = False, on_wait=None) -> Iterator[None]:
    """The run's writer lock, taken by the command before Prefect starts and held until it ends;
    the flow's own ``writer_lock`` is then a no-op. A second run used to start the temporary API and
    a flow run (5-10 s) before finding the lock taken, and Prefect printed its traceback of the
    error above the message. With ``wait`` it queues here, saying so once (``on_wait(exc)``). On a
    DuckLake the storage decides (a PostgreSQL catalog takes no file lock: ``writer_lock``)."""
    if settings.storage == "ducklake":
        from .storage.connection import writer_lock

        def take(wait: bool):
            return writer_lock(settings, wait=wait)
    else:
        def take(wait: bool):
            return run_lock(settings.db_path, wait=wait)
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(take(False))
        except RunInProgress as exc:
            if not wait:
                raise
            if on_wait:
                on_wait(exc)
            held.enter_context(take(True))
        key = _lock_key(settings.db_path)
        _HELD_BY_COMMAND.add(key)
        try:
            yield
        finally:
            _HELD_BY_COMMAND.discard(key)


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
                "Wait for it to finish (or pass --wait to queue behind it).", holder
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
