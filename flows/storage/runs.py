"""The ``runs`` rows: started, finished (with totals counted from the tables), or crashed."""
from __future__ import annotations

import duckdb

from ..sources.common import without_password
from ..version import code_version
from .sqlfiles import query


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, kind: str, sources: list[str], since) -> None:
    """Mark runs left 'running' by a dead process as crashed, then record this one."""
    query(con, "queries/runs/mark_crashed", params={"run_id": run_id})
    query(con, "queries/runs/start", params={
        "run_id": run_id, "sources": [without_password(s) for s in sources], "code_version": code_version(),
        "kind": kind, "since": since,
    })


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
