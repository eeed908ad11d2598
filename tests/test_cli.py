"""The command line as a user meets it: help, errors, exit codes, the summary."""
from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

from flows.cli import main


def test_help_answers_the_questions(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for needle in (".warc", ".jsonl", "http(s)://", "data/news.duckdb", "newsflow query", "duckdb", "articles_unique",
                   "--allow-private", "--languages"):
        assert needle in out, needle


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_missing_path_is_one_line_exit_2(capsys, tmp_path):
    code = main(["run", str(tmp_path / "nope"), "--db", str(tmp_path / "x.duckdb")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("newsflow: error:") and "nope" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.duckdb").exists()


def test_file_scheme_is_refused(capsys, tmp_path):
    code = main(["run", "file:///etc/passwd", "--db", str(tmp_path / "x.duckdb")])
    assert code == 2
    assert "http" in capsys.readouterr().err


def test_query_without_database_says_what_to_do(capsys, tmp_path):
    code = main(["query", "SELECT 1", "--db", str(tmp_path / "none.duckdb")])
    assert code == 1
    assert "newsflow run" in capsys.readouterr().err


def test_query_reads_a_database(capsys, tmp_path):
    path = tmp_path / "q.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT 42 AS answer")
    con.close()
    assert main(["query", "SELECT answer FROM t", "--db", str(path), "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["answer", "42"]


@pytest.mark.slow
def test_run_on_the_sample_prints_summary_and_no_errors(cli, tmp_path):
    """As `make run` does it: no server configured, so Prefect starts its ephemeral one."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    db = tmp_path / "cli.duckdb"
    proc = cli(["run", "--db", str(db)], env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "completed" in out and "Database:" in out and "newsflow query" in out
    combined = proc.stdout + proc.stderr
    assert "Traceback" not in combined and "ERROR" not in combined
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5

    # Run again: nothing new, so the run is recorded without importing Prefect or starting its API.
    probe = (
        "import sys\nfrom flows.cli import main\nrc = main(sys.argv[1:])\n"
        "heavy = [m for m in ('prefect', 'great_expectations', 'trafilatura') if m in sys.modules]\n"
        "print('HEAVY', heavy)\nsys.exit(rc)\n"
    )
    con.close()
    again = subprocess.run([sys.executable, "-c", probe, "run", "--db", str(db), "--json"], env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "HEAVY []" in again.stdout
    result = json.loads(again.stdout.split("HEAVY")[0])
    assert result["counts"]["read"] == 5 and result["counts"]["already_stored"] == 5
    assert result["status"] == "completed" and result["checks_passed"] > 0
    con = duckdb.connect(str(db), read_only=True)
    runs = con.execute("SELECT status, n_read, n_new, finished_at IS NOT NULL FROM runs ORDER BY started_at").fetchall()
    assert runs == [("completed", 5, 5, True), ("completed", 5, 0, True)]
    assert con.execute("SELECT count(*) FROM dq_results WHERE run_id = ?", [result["run_id"]]).fetchone()[0] > 0

    # Work a killed run left (a dedup rebuild) is never skipped by the no-op path: the flow runs and finishes it.
    con.close()
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO pending_work VALUES ('dedup_rebuild', 'a-killed-run', now())")
    con.close()
    resumed = subprocess.run([sys.executable, "-c", probe, "run", "--db", str(db), "--json"], env=env,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "'prefect'" in resumed.stdout.split("HEAVY")[1]
    result = json.loads(resumed.stdout.split("HEAVY")[0])
    assert result["counts"]["resumed_dedup_rebuild"] == 1
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM pending_work").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM duplicates").fetchone()[0] == 1
    con.close()


def test_query_into_a_closed_pipe_exits_quietly(tmp_path):
    """`newsflow query ... | head -1`: the reader leaves early, as Unix filters do; no error."""
    path = tmp_path / "pipe.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT range AS n FROM range(200000)")
    con.close()
    shell = (f"{sys.executable} -m flows query 'SELECT n FROM t' --db {path} --format csv | head -n 2")
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, timeout=120)
    assert proc.stdout.split() == ["n", "0"]
    assert proc.stderr == "", proc.stderr
    assert proc.returncode == 0
