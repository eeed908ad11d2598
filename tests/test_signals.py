"""SIGTERM mid-run (issue 13): the run ends cleanly, nothing of it stays behind.

A real ``python -m flows run`` with its own temporary Prefect server (no
PREFECT_API_URL) is stopped with SIGTERM while a cleaning worker is busy on a
document that sleeps on purpose (flows.clean._test_hook). Afterwards: exit
status 143, no child process left (server, workers), the ``runs`` row marked
``cancelled``, the run lock free, and the next run completes with every raw row
accounted for.
"""
from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time

import duckdb
import psutil
import pytest

from tests_support import ROOT, SEEDS_DIR, cleaning_processes

pytestmark = pytest.mark.slow


def _descendants(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _wait_for_busy_worker(proc: psutil.Process, deadline_s: float = 240) -> list[psutil.Process]:
    """Wait until a cleaning worker runs, then a little more."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        workers, _pool = cleaning_processes(proc)
        if workers:
            time.sleep(3)  # the worker warms up, then takes the sleeping document
            return _descendants(proc)
        if not proc.is_running():
            break
        time.sleep(0.2)
    raise AssertionError("no cleaning worker started")


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []


def test_sigterm_mid_run_stops_workers_and_server_marks_the_run_and_frees_the_lock(tmp_path, cli_env):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for seed in sorted(SEEDS_DIR.glob("*.txt"))[:2]:
        (inbox / seed.name).write_bytes(seed.read_bytes())
    (inbox / "slow.html").write_bytes(b"<!--newsflow-test:sleep=600--><html><body><article><p>"
                                      + b"A page that takes ten minutes to clean when the test hook is on. " * 5
                                      + b"</p></article></body></html>")
    db = tmp_path / "news.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_URL", "NEWSFLOW_"))}
    env.update(NEWSFLOW_TEST_HOOKS="1", NEWSFLOW_EXTRACT_TIMEOUT_S="900", NEWSFLOW_WORKERS="1",
               PREFECT_SERVER_ANALYTICS_ENABLED="false")
    popen = subprocess.Popen([sys.executable, "-m", "flows", "run", str(inbox), "--db", str(db), "--no-progress"],
                             env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc = psutil.Process(popen.pid)
    try:
        kids = _wait_for_busy_worker(proc)
        assert any("prefect.server.api.server:create_app" in " ".join(_cmdline(k)) for k in kids)  # the temporary API
        popen.send_signal(signal.SIGTERM)
        out, err = popen.communicate(timeout=120)
    finally:
        if popen.poll() is None:
            popen.kill()
    _gone, alive = psutil.wait_procs(kids, timeout=20)
    assert alive == [], f"left behind: {[(p.pid, _cmdline(p)) for p in alive]}"
    assert popen.returncode == 128 + signal.SIGTERM, err[-3000:]
    assert "stopped by SIGTERM" in err

    con = duckdb.connect(str(db), read_only=True)
    try:
        [(status, message)] = con.execute("SELECT status, message FROM runs").fetchall()
    finally:
        con.close()
    assert status == "cancelled" and message.startswith("stopped by SIGTERM")
    with open(str(db) + ".run.lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # free: raises if still held
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    # The next run (hook off: the page is an ordinary page again) completes and accounts for everything.
    again = subprocess.run([sys.executable, "-m", "flows", "run", str(inbox), "--db", str(db), "--json"],
                           env=dict(cli_env, NEWSFLOW_WORKERS="1"), cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        unaccounted = con.execute(
            "SELECT count(*) FROM raw_articles r WHERE r.raw_id NOT IN (SELECT raw_id FROM articles) "
            "AND r.raw_id NOT IN (SELECT raw_id FROM quarantine)").fetchone()[0]
        n_raw = con.execute("SELECT count(*) FROM raw_articles").fetchone()[0]
    finally:
        con.close()
    assert unaccounted == 0 and n_raw == 3
