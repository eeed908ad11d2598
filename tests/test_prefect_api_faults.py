"""The temporary Prefect API dying mid-run, and a PREFECT_API_URL that does not answer as an API."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from flows import prefect_server
from tests_support import ROOT


class _Exits:
    """A stand-in for the API's process: exits at once with status 9, as a killed API does."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", "import os; os._exit(9)"])

    def __getattr__(self, name):
        return getattr(self.proc, name)


def test_an_api_that_dies_is_started_again_a_few_times_then_left(monkeypatch, capsys):
    server = prefect_server.EarlyServer()
    spawned = []

    def spawn():
        spawned.append(_Exits())
        return spawned[-1].proc

    monkeypatch.setattr(server, "_spawn", spawn)
    server.proc = spawn()
    server._supervise()  # returns once it gave up
    assert len(spawned) == 1 + prefect_server.MAX_RESTARTS == 1 + server.restarts
    err = capsys.readouterr().err
    assert err.count("starting it again on the same port") == prefect_server.MAX_RESTARTS
    assert "not starting it again" in err


def test_an_api_stopped_by_the_command_is_not_started_again(monkeypatch):
    server = prefect_server.EarlyServer()
    monkeypatch.setattr(server, "_spawn", lambda: pytest.fail("started again after stop()"))
    server.proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    server.stop()
    server.proc = None
    server._supervise()
    assert server.restarts == 0


@pytest.mark.slow
def test_a_run_whose_temporary_api_is_killed_completes(tmp_path):
    """It used to retry every request for a minute, then fail after about 6 minutes with
    'ConnectError: [Errno 111] Connection refused' (exit 1) though its work was done. A document
    that takes 20 s to clean (the test hook) keeps the run going while the API is killed."""
    import time

    import duckdb
    import psutil

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    words = " ".join(["word"] * 80)
    (corpus / "slow.html").write_text(f"<!--newsflow-test:sleep=20--><html><body><article><p>{words}</p>"
                                      "</article></body></html>")
    (corpus / "a.txt").write_text("A title\n\n" + " ".join(["text"] * 60) + ".\n")
    db = tmp_path / "news.duckdb"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["NEWSFLOW_TEST_HOOKS"] = "1"
    proc = subprocess.Popen([sys.executable, "-m", "flows", "run", str(corpus), "--db", str(db), "--no-progress"],
                            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def run_started() -> bool:  # the runs row is written before cleaning starts
        try:
            con = duckdb.connect(str(db), read_only=True)
        except duckdb.Error:
            return False
        try:
            return con.execute("SELECT count(*) FROM runs").fetchone()[0] > 0
        except duckdb.Error:
            return False
        finally:
            con.close()

    while proc.poll() is None and not run_started():
        time.sleep(0.1)
    api = [p for p in psutil.Process(proc.pid).children(recursive=True)
           if "flows.prefect_api" in " ".join(p.cmdline())]
    assert len(api) == 1
    api[0].kill()
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert "exited (status -9); starting it again" in err
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT status, n_articles FROM runs").fetchall() == [("completed", 2)]


def test_an_unwritable_prefect_home_is_replaced_by_a_temporary_one(tmp_path, monkeypatch, capsys):
    """(A path under a file: unwritable even for root.) The temporary API keeps its database in
    Prefect's home; with none it never answered and every run failed with 'Failed to reach API'."""
    (tmp_path / "a-file").write_text("")
    unwritable = tmp_path / "a-file" / "prefect"
    monkeypatch.setenv("PREFECT_HOME", str(unwritable))
    folder = prefect_server.ensure_writable_prefect_home()
    try:
        assert folder and os.environ["PREFECT_HOME"] == folder and os.path.isdir(folder)
        err = capsys.readouterr().err
        assert f"Prefect's home {unwritable} is not writable" in err and "set PREFECT_HOME" in err
        assert prefect_server.ensure_writable_prefect_home() is None  # the new one is writable
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "writable"))
    assert prefect_server.ensure_writable_prefect_home() is None
    assert os.environ["PREFECT_HOME"] == str(tmp_path / "writable")


@pytest.mark.slow
def test_a_run_with_an_unwritable_home_completes(tmp_path):
    from tests_support import SEEDS_DIR

    (tmp_path / "a-file").write_text("")
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    env["HOME"] = str(tmp_path / "a-file" / "home")
    done = subprocess.run([sys.executable, "-m", "flows", "run", str(SEEDS_DIR), "--db", str(tmp_path / "n.duckdb"),
                           "--no-progress"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "is not writable" in done.stderr and "completed" in done.stdout


def _serve(reply: bytes | None):
    """A local server that answers every request with ``reply`` (None: accepts and never answers)."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []

    def loop():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)
            conn.recv(65536)
            if reply is not None:
                conn.sendall(reply)
                conn.close()

    threading.Thread(target=loop, daemon=True).start()
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}/api"


@pytest.mark.parametrize("reply, says", [
    (b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", "answers 500"),
    (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "the URL ends in /api"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<html>", "not as a Prefect API"),
    (b"\x00\xffgarbage\r\n\r\n", "not in HTTP"),
    (None, "does not answer within 0.5 s"),
    (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\ntrue", None),
    (b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", None),
])
def test_a_prefect_api_url_that_does_not_answer_as_prefect_is_named_before_the_run(reply, says):
    """Prefect took 69 s of retries to give up on a server answering garbage, and minutes on one
    that never answers, before failing with 'Failed to reach API'."""
    listener, url = _serve(reply)
    try:
        problem = prefect_server.api_problem(url, timeout_s=0.5)
    finally:
        listener.close()
    assert problem is None if says is None else says in problem


def test_run_and_reprocess_stop_at_once_on_a_dead_prefect_api_url(tmp_path, monkeypatch, capsys):
    import socket

    from flows.cli import EXIT_FAILED, main

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/api"
    monkeypatch.setenv("PREFECT_API_URL", dead)
    monkeypatch.setattr("flows.signals.install", lambda: None)  # the test process keeps its own handlers
    db = tmp_path / "n.duckdb"
    assert main(["run", "--db", str(db), "--no-progress"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert f"PREFECT_API_URL={dead} cannot be reached" in err and "unset PREFECT_API_URL" in err
    assert not db.exists()
    from flows import storage

    storage.connect(db).close()
    assert main(["reprocess", "--db", str(db), "--no-progress"]) == EXIT_FAILED
    assert "cannot be reached" in capsys.readouterr().err
