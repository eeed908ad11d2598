"""`newsflow reprocess` killed with SIGKILL mid-way (issue 13): every raw row keeps an outcome,
and the next `run` and the next `reprocess` complete.

The kill lands at a known point: the last document (stored earlier with the test hook off)
sleeps on purpose when the reprocess cleans it with NEWSFLOW_TEST_HOOKS=1, after the
earlier batches were replaced and the dedup tables emptied."""
from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time

import duckdb
import psutil
import pytest

from tests_support import ROOT, cleaning_processes, write_text_corpus

pytestmark = pytest.mark.slow

UNACCOUNTED = ("SELECT count(*) FROM raw_articles r WHERE r.raw_id NOT IN (SELECT raw_id FROM articles) "
               "AND r.raw_id NOT IN (SELECT raw_id FROM quarantine)")


def query(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def cli(args, env, timeout=300):
    return subprocess.run([sys.executable, "-m", "flows", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_reprocess_killed_mid_way_loses_nothing_and_the_next_runs_complete(tmp_path, cli_env):
    db = tmp_path / "news.duckdb"
    env = dict(cli_env, NEWSFLOW_BATCH_SIZE="3", NEWSFLOW_WORKERS="1")
    texts = tmp_path / "texts"
    write_text_corpus(texts, 7)
    page = tmp_path / "late" / "slow.html"
    page.parent.mkdir()
    page.write_bytes(b"<!--newsflow-test:sleep=600--><html><body><article><p>"
                     + b"An ordinary page, slow only when the test hook is on. " * 6 + b"</p></article></body></html>")
    assert cli(["run", str(texts), "--db", str(db)], env).returncode == 0
    assert cli(["run", str(page.parent), "--db", str(db)], env).returncode == 0  # ingested last
    n_raw = query(db, "SELECT count(*) FROM raw_articles")[0][0]
    assert n_raw == 8

    killed = subprocess.Popen([sys.executable, "-m", "flows", "reprocess", "--db", str(db)],
                              env=dict(env, NEWSFLOW_TEST_HOOKS="1", NEWSFLOW_EXTRACT_TIMEOUT_S="900"), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc = psutil.Process(killed.pid)
    end = time.monotonic() + 240
    workers: list[psutil.Process] = []
    pool: list[psutil.Process] = []
    try:
        while time.monotonic() < end and not workers:  # the pool starts for the last batch (the HTML page)
            workers, pool = cleaning_processes(proc)
            time.sleep(0.2)
        assert workers, "the reprocess never reached the page"
        time.sleep(4)  # the batches before it are stored meanwhile
    finally:  # also when the test fails: nothing may sleep on for 600 s after it
        killed.send_signal(signal.SIGKILL)
        killed.wait(30)
        for w in pool or cleaning_processes(proc)[1]:  # after kill -9 a worker would finish its document first
            with contextlib.suppress(psutil.Error):
                w.kill()

    assert query(db, "SELECT task FROM pending_work") == [("dedup_rebuild",)]
    assert query(db, UNACCOUNTED)[0][0] == 0  # old outcomes or new ones, never none

    again = cli(["run", str(texts), "--db", str(db), "--json"], env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert '"resumed_dedup_rebuild": 1' in again.stdout
    assert query(db, "SELECT count(*) FROM pending_work")[0][0] == 0
    assert query(db, UNACCOUNTED)[0][0] == 0
    assert query(db, "SELECT count(*) FROM articles a WHERE a.article_id NOT IN (SELECT article_id FROM stories)"
                 )[0][0] == 0

    redo = cli(["reprocess", "--db", str(db)], env)
    assert redo.returncode == 0, redo.stderr[-3000:]
    assert query(db, UNACCOUNTED)[0][0] == 0 and query(db, "SELECT count(*) FROM raw_articles")[0][0] == n_raw
    assert query(db, "SELECT status FROM runs ORDER BY started_at") == [
        ("completed",), ("completed",), ("crashed",), ("completed",), ("completed",)]
