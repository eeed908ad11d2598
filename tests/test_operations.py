"""Operating newsflow: deployments, concurrent use, search."""
from __future__ import annotations

import time

import pytest

from flows import storage
from flows.cli import main
from flows.deployments import load_deployments
from tests_support import ROOT


def test_prefect_yaml_declares_scheduled_single_writer_deployments():
    import yaml

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    deployments = {d["name"]: d for d in spec["deployments"]}
    assert {"sample", "feeds-hourly", "inbox-daily", "reprocess"} <= set(deployments)
    for d in deployments.values():
        assert d["concurrency_limit"] == 1
        assert d["work_pool"]["name"] == "newsflow-process"
    assert deployments["feeds-hourly"]["schedules"][0]["cron"] == "15 * * * *"
    served = load_deployments(ROOT / "prefect.yaml")
    assert {d["flow"] for d in served} == {"newsflow_flow", "reprocess_flow"}


def test_serve_lists_deployments(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["serve", "--list"]) == 0
    out = capsys.readouterr().out
    assert "feeds-hourly" in out and "15 * * * *" in out


def test_serve_without_server_says_how_to_start_one(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["serve"]) == 2
    assert "prefect server start" in capsys.readouterr().err


def test_query_waits_while_a_writer_holds_the_file(tmp_path, capsys):
    import subprocess
    import sys

    path = tmp_path / "busy.duckdb"
    con = storage.connect(path)
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    con.close()
    # Another process holds the file for writing for 1.5 s, as a run committing a batch does.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True);"
         " time.sleep(1.5); c.close()", str(path)],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    started = time.monotonic()
    assert main(["query", "SELECT x FROM t", "--db", str(path), "--format", "csv"]) == 0
    assert time.monotonic() - started >= 0.5
    holder.wait()
    captured = capsys.readouterr()
    assert "busy" in captured.err and "waiting" in captured.err
    assert captured.out.split() == ["x", "1"]


def test_a_second_run_stops_with_a_clear_message(tmp_path):
    path = tmp_path / "n.duckdb"
    with storage.run_lock(path):
        with pytest.raises(storage.RunInProgress, match="Another newsflow run"):
            with storage.run_lock(path):
                pass


def test_writers_share_a_postgres_catalog_but_not_a_file(tmp_path):
    """A DuckLake on PostgreSQL takes many writers at once (its catalog lock orders commits), so a
    run there, or a no-op run, takes no per-file lock; a DuckDB file or a SQLite-catalog lake does."""
    from flows.settings import Settings

    path = tmp_path / "n.duckdb"
    on_postgres = Settings(db_path=str(path), storage="ducklake", lake_catalog="postgres:dbname=news host=db")
    with storage.run_lock(path):
        with storage.writer_lock(on_postgres):
            pass
        for settings in (Settings(db_path=str(path)), Settings(db_path=str(path), storage="ducklake")):
            with pytest.raises(storage.RunInProgress):
                with storage.writer_lock(settings):
                    pass


def test_migrations_are_recorded_and_applied_once(tmp_path):
    path = tmp_path / "m.duckdb"
    con = storage.connect(path)
    versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]
    assert versions == [int(p.name[:3]) for p in storage.migration_files()]  # numbers are assigned per change: gaps are fine
    assert storage.apply_migrations(con) == []
    con.close()
