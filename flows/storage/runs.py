"""The ``runs`` rows: started, finished (with totals counted from the tables), or crashed."""
from __future__ import annotations

import os
import socket

import duckdb

from ..sources.common import without_password
from ..version import code_version
from .sqlfiles import query


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, kind: str, sources: list[str], since,
              shared: bool = False) -> None:
    """Mark runs left 'running' by a dead process as crashed, then record this one (with its host
    and process id).

    ``shared``: other processes may be writing now, with no lock that says which are alive (a
    DuckLake with a PostgreSQL catalog, storage.shared_writers): only runs of this machine whose
    process is gone are marked; runs of other machines are left as they are. Otherwise the caller
    holds the file's run lock, so every other 'running' run is dead."""
    here = socket.gethostname()
    if shared:
        dead = [rid for rid, host, pid in query(con, "queries/runs/running_others", params={"run_id": run_id})
                if host == here and pid is not None and not _alive(pid)]
        if dead:
            query(con, "queries/runs/mark_crashed_these", params={"run_ids": dead})
    else:
        query(con, "queries/runs/mark_crashed", params={"run_id": run_id})
    query(con, "queries/runs/start", params={
        "run_id": run_id, "sources": [without_password(s) for s in sources], "code_version": code_version(),
        "kind": kind, "since": since, "host": here, "pid": os.getpid(),
    })


def _alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a reused id counts as alive: the run
    stays 'running' rather than be marked crashed while it may be live)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def run_totals(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[int, int, int, int]:
    """What the run wrote, counted from the tables: raw rows, articles, quarantined, duplicates."""
    return tuple(query(con, "queries/runs/totals", params={"run_id": run_id})[0])


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, n_read: int,
               totals: tuple[int, int, int, int], counts_json: str, message: str) -> None:
    """Close the run's row."""
    n_new, n_articles, n_quarantined, n_dups = totals
    query(con, "queries/runs/finish", params={
        "run_id": run_id, "status": status, "n_read": n_read, "n_new": n_new, "n_articles": n_articles,
        "n_quarantined": n_quarantined, "n_duplicates": n_dups, "counts": counts_json, "message": message,
    })
