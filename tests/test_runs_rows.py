"""The runs rows: a starting run marks runs left 'running' by dead processes as crashed; on a shared
lake (many writers, no run lock) only this machine's runs whose process is gone."""
from __future__ import annotations

import os
import socket
import subprocess
import sys

from flows import storage
from flows.settings import Settings
from flows.storage.runs import start_run


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _statuses(con) -> dict:
    return dict(con.execute("SELECT run_id, status FROM runs").fetchall())


def test_a_shared_lake_marks_only_this_machines_dead_runs_crashed(tmp_path):
    here, dead = socket.gethostname(), _dead_pid()
    with storage.transaction(tmp_path / "news.duckdb") as con:
        rows = [("elsewhere", "another-machine", dead), ("dead-here", here, dead), ("alive-here", here, os.getpid()),
                ("old-row", None, None)]  # old-row: written before migration 011
        for run_id, _, _ in rows:
            start_run(con, run_id, "ingest", [], None)
        for run_id, host, pid in rows:
            con.execute("UPDATE runs SET status = 'running', host = ?, pid = ? WHERE run_id = ?", [host, pid, run_id])
        start_run(con, "new", "ingest", ["/data"], None, shared=True)
        assert _statuses(con) == {"elsewhere": "running", "dead-here": "crashed", "alive-here": "running",
                                  "old-row": "running", "new": "running"}
        assert con.execute("SELECT host, pid FROM runs WHERE run_id = 'new'").fetchone() == (here, os.getpid())
        start_run(con, "holder-of-the-lock", "ingest", [], None)  # a run lock: every other run is dead
        assert set(_statuses(con).values()) == {"crashed", "running"}
        assert [r for r, s in _statuses(con).items() if s == "running"] == ["holder-of-the-lock"]


def test_which_storage_has_shared_writers(tmp_path):
    assert not storage.shared_writers(Settings(db_path=str(tmp_path / "n.duckdb")))
    assert not storage.shared_writers(Settings(db_path=str(tmp_path / "n.duckdb"), storage="ducklake"))
    assert storage.shared_writers(Settings(db_path=str(tmp_path / "n.duckdb"), storage="ducklake",
                                           lake_catalog="postgres:dbname=news host=127.0.0.1"))
