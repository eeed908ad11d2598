"""The database file itself at fault: written by a newer newsflow, held by another program,
not a database at all. Each stops the command with a message saying what to do."""
from __future__ import annotations

import duckdb
import pytest

from flows import storage
from flows.settings import Settings


def test_a_database_written_by_a_newer_newsflow_is_refused_before_anything_is_written(tmp_path):
    """It records a migration this code lacks: the run used to go on, writing the old layout into
    tables a newer version laid out differently."""
    path = tmp_path / "news.duckdb"
    storage.connect(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_migrations VALUES (999, '999_from_the_future.sql', 'x', now())")
    runs_before = con.execute("SELECT count(*) FROM runs").fetchone()
    con.close()
    with pytest.raises(storage.SchemaTooNew) as info:
        with storage.transaction(Settings(db_path=str(path))):
            pass
    message = str(info.value)
    assert str(path) in message and "999_from_the_future.sql" in message and "Update newsflow" in message
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM runs").fetchone() == runs_before
    con.close()
    assert storage.connect(path, read_only=True).execute("SELECT 1").fetchone() == (1,)  # queries still work


def _hold(path) -> "subprocess.Popen":
    """Another program with the file open for writing (a notebook, the duckdb shell), until its stdin closes."""
    import subprocess
    import sys

    code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_run_on_a_file_another_program_holds_says_who_holds_it_and_how_long_it_waits(tmp_path):
    """It waited 300 s without a word (then as long again to record the failure)."""
    import os
    import subprocess
    import sys

    from tests_support import ROOT

    path = tmp_path / "news.duckdb"
    storage.connect(path).close()
    (tmp_path / "nothing").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["NEWSFLOW_DB_WAIT_S"] = "2"
    args = [sys.executable, "-m", "flows", "run", str(tmp_path / "nothing"), "--db", str(path), "--no-progress"]
    holder = _hold(path)
    try:
        busy = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    finally:
        holder.stdin.close()
        holder.wait()
    assert busy.returncode == 1
    assert f"is held by PID {holder.pid}" in busy.stderr and "waiting up to 2 s" in busy.stderr, busy.stderr
    assert "waited 2 s" in busy.stderr and "NEWSFLOW_DB_WAIT_S" in busy.stderr
    free = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert free.returncode == 0, free.stderr
    assert "held" not in free.stderr


def test_a_second_run_stops_before_prefect_starts_and_a_waiting_one_says_so(tmp_path, monkeypatch, capsys):
    """The run lock is taken by the command, before the temporary API and the flow: a second run
    used to spend 5-10 s starting them and printed Prefect's 30-line traceback above the message."""
    import os
    import subprocess
    import sys

    from flows.cli import EXIT_FAILED, main
    from tests_support import ROOT

    monkeypatch.setattr("flows.signals.install", lambda: None)  # the test process keeps its own handlers
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    path = tmp_path / "news.duckdb"
    storage.connect(path).close()
    settings = Settings(db_path=str(path))
    with storage.command_lock(settings):
        with storage.writer_lock(settings):  # the flow's own lock: the command holds it already
            pass
    (tmp_path / "nothing").mkdir()
    with storage.run_lock(path):
        assert main(["run", str(tmp_path / "nothing"), "--db", str(path), "--no-progress"]) == EXIT_FAILED
        err = capsys.readouterr().err
        assert f"Another newsflow run is writing to {path} (pid {os.getpid()})" in err and "Traceback" not in err
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        queued = subprocess.Popen([sys.executable, "-m", "flows", "run", str(tmp_path / "nothing"), "--db", str(path),
                                   "--no-progress", "--wait"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        assert "waiting for it to finish (--wait)" in queued.stderr.readline()
    out, _ = queued.communicate(timeout=300)
    assert queued.returncode == 0 and "completed" in out


def test_a_database_whose_folder_cannot_be_made_says_so(tmp_path, monkeypatch, capsys):
    from flows.cli import EXIT_FAILED, main

    monkeypatch.setattr("flows.signals.install", lambda: None)
    (tmp_path / "a-file").write_text("")
    assert main(["run", "--db", str(tmp_path / "a-file" / "news.duckdb"), "--no-progress"]) == EXIT_FAILED
    assert "cannot create the run lock beside" in capsys.readouterr().err


@pytest.mark.parametrize("make, says", [
    (lambda p: p.mkdir(), "is a folder: pass --db a file"),
    (lambda p: p.write_text("hello, not a database\n"), "is not a DuckDB database: pass --db a new file"),
    (lambda p: (storage.connect(p).close(), p.write_bytes(p.read_bytes()[:3000])), "is cut short"),
])
def test_a_file_that_is_no_database_is_said_plainly_by_run_query_and_search(tmp_path, monkeypatch, capsys, make, says):
    """query and search ended in a duckdb traceback; run in DuckDB's words alone."""
    from flows.cli import EXIT_FAILED, main

    monkeypatch.setattr("flows.signals.install", lambda: None)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    path = tmp_path / "news.duckdb"
    make(path)
    for argv in (["query", "SELECT 1"], ["search", "words"], ["run", "--no-progress"]):
        assert main([*argv, "--db", str(path)]) == EXIT_FAILED
        err = capsys.readouterr().err
        assert says in err and "Traceback" not in err, (argv, err)


def _mount_tmpfs(folder, size: str) -> bool:
    import subprocess

    folder.mkdir(exist_ok=True)
    try:
        return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                              capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):  # no mount command on this machine
        return False


@pytest.mark.slow
def test_a_full_disk_fails_the_run_plainly_and_the_next_run_completes_it(tmp_path, cli_env):
    """Every raw row keeps an outcome when a commit finds the disk full; the message says what to do."""
    import subprocess
    import sys

    import duckdb

    from tests_support import ROOT, write_text_corpus

    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "3m"):
        pytest.skip("mounting a small tmpfs is not permitted here")
    try:
        write_text_corpus(tmp_path / "corpus", n=300)
        args = [sys.executable, "-m", "flows", "run", str(tmp_path / "corpus"), "--db", str(disk / "news.duckdb"),
                "--batch-size", "20", "--no-progress"]
        full = subprocess.run(args, env=cli_env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert full.returncode == 1, full.stdout
        assert "No space left on device" in full.stderr and "The disk holding" in full.stderr
        subprocess.run(["mount", "-o", "remount,size=200m", str(disk)], check=True)
        again = subprocess.run(args, env=cli_env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stderr
        con = duckdb.connect(str(disk / "news.duckdb"), read_only=True)
        try:
            assert con.execute("SELECT count(*), count(DISTINCT raw_id) FROM raw_articles").fetchone() == (300, 300)
            assert con.execute("SELECT count(*) FROM raw_articles r WHERE NOT EXISTS (SELECT 1 FROM articles a "
                               "WHERE a.raw_id = r.raw_id) AND NOT EXISTS (SELECT 1 FROM quarantine q "
                               "WHERE q.raw_id = r.raw_id)").fetchone() == (0,)
            assert con.execute("SELECT count(*) FROM articles").fetchone() == (300,)
        finally:
            con.close()
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
