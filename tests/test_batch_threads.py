"""A batch's DuckDB threads leave the cleaning workers their cores (pipeline/stages.py)."""
from __future__ import annotations

import os

import duckdb

from flows.pipeline.stages import batch_threads
from flows.settings import Settings


def test_batch_threads_leave_the_workers_their_cores(tmp_path):
    cores = os.cpu_count() or 1
    assert batch_threads(Settings(db_path=str(tmp_path / "x.duckdb"), workers=1)) == max(1, cores - 1)
    assert batch_threads(Settings(db_path=str(tmp_path / "x.duckdb"), workers=cores + 3)) == 1
    # cleaning on a Dask cluster uses none of this machine's cores
    dask = Settings(db_path=str(tmp_path / "x.duckdb"), workers=2, dask_address="tcp://127.0.0.1:8786")
    assert batch_threads(dask) == cores
    con = duckdb.connect()
    con.execute("SET threads = ?", [batch_threads(Settings(db_path=str(tmp_path / "x.duckdb"), workers=2))])
    assert con.execute("SELECT current_setting('threads')").fetchone()[0] == max(1, cores - 2)
