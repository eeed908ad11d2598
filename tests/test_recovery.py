"""A run killed with SIGKILL mid-way, then run again, ends as one clean run would."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from tests_support import ROOT, write_text_corpus  # noqa: E402

pytestmark = pytest.mark.slow


def table_state(path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "raw": con.execute("SELECT raw_id, source FROM raw_articles ORDER BY ALL").fetchall(),
            "articles": con.execute("SELECT article_id, title, text FROM articles ORDER BY ALL").fetchall(),
            "quarantine": con.execute("SELECT raw_id, stage, reason FROM quarantine ORDER BY ALL").fetchall(),
            "duplicates": con.execute("SELECT article_id, canonical_id, kind FROM duplicates ORDER BY ALL").fetchall(),
        }
    finally:
        con.close()


def committed_raw(path) -> int:
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return -1  # locked by the writer right now
    try:
        return con.execute("SELECT count(*) FROM raw_articles").fetchone()[0]
    except duckdb.Error:
        return -1
    finally:
        con.close()


def test_killed_run_recovers(tmp_path, cli_env):
    corpus = tmp_path / "corpus"
    write_text_corpus(corpus, n=600)
    env = dict(cli_env, NEWSFLOW_BATCH_SIZE="40")
    killed_db, clean_db = tmp_path / "killed.duckdb", tmp_path / "clean.duckdb"
    args = [sys.executable, "-m", "flows", "run", str(corpus), "--no-progress"]

    proc = subprocess.Popen(args + ["--db", str(killed_db)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if killed_db.exists() and committed_raw(killed_db) > 0:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed; make the corpus larger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = committed_raw(killed_db)
    assert 0 < partial < 600

    again = subprocess.run(args + ["--db", str(killed_db)], env=env, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    once = subprocess.run(args + ["--db", str(clean_db)], env=env, cwd=ROOT, capture_output=True, text=True)
    assert once.returncode == 0, once.stderr

    assert table_state(killed_db) == table_state(clean_db)
    con = duckdb.connect(str(killed_db), read_only=True)
    statuses = [r[0] for r in con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()]
    assert statuses == ["crashed", "completed"]
