"""DuckLake on a real PostgreSQL catalog: many processes create, write and read one lake at once.

The server is started by the tests themselves (tests/pg_server.py); without
PostgreSQL's binaries these tests skip, saying so (``.ci/run`` installs them).
"""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from flows import storage
from flows.settings import Settings
from flows.storage import catalog_lock
from tests_support import ROOT
from pg_server import PostgresServer, bin_dir

# Per-run bookkeeping: every run has its own runs row and check results.
PER_RUN_TABLES = ("runs", "dq_results")


@pytest.fixture(scope="session")
def postgres():
    bindir = bin_dir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql; .ci/run does)")
    server = PostgresServer(bindir).start()
    try:
        yield server
    finally:
        server.stop()


def _snapshot_module():
    spec = importlib.util.spec_from_file_location("table_snapshot", ROOT / "bench" / "table_snapshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lake_tables(settings: Settings) -> dict:
    """Every data table of the lake, rows sorted, run ids and clock columns left out (the search
    index as its contents), plus what ``newsflow search`` answers to a few queries."""
    from flows.search import search

    con = storage.connect(settings, read_only=True)
    try:
        tables = _snapshot_module().dump_connection(con, skip=PER_RUN_TABLES)
        words = [r[0] for r in con.execute(  # a few words of some articles' texts
            "SELECT array_to_string(string_split(text, ' ')[1:6], ' ') FROM articles ORDER BY article_id LIMIT 6"
        ).fetchall()]
        tables["search results"] = {q: search(con, q, 30).fetchall() for q in words + ["the said"]}
        return tables
    finally:
        con.close()


def lake_settings(tmp: Path, spec: str, name: str = "host") -> Settings:
    return Settings(db_path=str(tmp / f"{name}.duckdb"), storage="ducklake", lake_catalog=spec,
                    lake_data_path=str(tmp / "lake-data"))


def test_catalog_spec_to_connection_arguments():
    assert catalog_lock.connect_kwargs("postgres:dbname=news host=db port=5433 user=nf password='a b'") == {
        "database": "news", "host": "db", "port": 5433, "user": "nf", "password": "a b"}
    assert catalog_lock.connect_kwargs("postgres:postgresql://nf@db/news") == {"dsn": "postgresql://nf@db/news"}


_INIT = """
import sys
from flows import storage
from flows.settings import Settings
s = Settings(db_path=sys.argv[1], storage="ducklake", lake_catalog=sys.argv[2], lake_data_path=sys.argv[3])
with storage.transaction(s) as con:
    print(con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0])
"""


def test_processes_creating_one_fresh_catalog_at_once(postgres, tmp_path):
    spec = postgres.new_database()
    procs = [subprocess.Popen([sys.executable, "-c", _INIT, str(tmp_path / f"h{i}.duckdb"), spec,
                               str(tmp_path / "data")], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for i in range(3)]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err[-2000:] for _, err in outs]
    assert {out.strip() for out, _ in outs} == {str(len(storage.migration_files()))}


# --- concurrent writers --------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Generated articles with planted copies and shared stories."""
    from flows.evaluation.corpus import generate, write

    out = tmp_path_factory.mktemp("corpus")
    arts, labels = generate(60, seed=5, copy_rate=0.3)
    write(arts, labels, out, fmt="txt")
    return out / "articles"


def _env(cli_env: dict, spec: str, data: Path) -> dict:
    env = dict(cli_env, NEWSFLOW_STORAGE="ducklake", NEWSFLOW_LAKE_CATALOG=spec,
               NEWSFLOW_LAKE_DATA_PATH=str(data), NEWSFLOW_BATCH_SIZE="20", NEWSFLOW_WORKERS="1")
    return env


def _start(corpus: Path, db: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flows", "run", str(corpus), "--db", str(db), "--no-progress",
                             "--json"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class Reader(threading.Thread):
    """Queries the lake (as ``newsflow query`` does: a read-only attach) until stopped."""

    def __init__(self, settings: Settings):
        super().__init__(daemon=True)
        self.settings, self.stop, self.queries, self.errors = settings, threading.Event(), 0, []

    def run(self):
        while not self.stop.is_set():
            try:
                con = storage.connect(self.settings, read_only=True)
                try:
                    con.execute("SELECT count(*) FROM articles_unique").fetchone()
                    con.execute("SELECT count(*) FROM raw_articles").fetchone()
                finally:
                    con.close()
                self.queries += 1
            except FileNotFoundError:
                pass
            except Exception as exc:  # noqa: BLE001 - every failure once the lake exists is the finding
                if self.queries:  # before: the first writer is still creating the catalog
                    self.errors.append(repr(exc))
            time.sleep(0.2)


def _writers(n: int, corpus: Path, tmp: Path, spec: str, cli_env: dict) -> Settings:
    settings = lake_settings(tmp, spec)
    env = _env(cli_env, spec, Path(settings.lake_data_path))
    reader = Reader(settings)
    reader.start()
    # Each writer its own host file, as on separate machines; the catalog and data path are shared.
    procs = [_start(corpus, tmp / f"writer{i}.duckdb", env) for i in range(n)]
    outs = [p.communicate(timeout=600) for p in procs]
    reader.stop.set()
    reader.join()
    assert [p.returncode for p in procs] == [0] * n, [err[-3000:] for _, err in outs]
    return settings, reader


@pytest.fixture(scope="module")
def one_run(postgres, corpus, tmp_path_factory, prefect_api) -> dict:
    tmp = tmp_path_factory.mktemp("one")
    spec = postgres.new_database()
    env = _env(dict(os.environ, PREFECT_API_URL=prefect_api), spec, tmp / "lake-data")
    proc = subprocess.run([sys.executable, "-m", "flows", "run", str(corpus), "--db", str(tmp / "host.duckdb"),
                           "--no-progress", "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    tables = lake_tables(lake_settings(tmp, spec))
    assert len(tables["duplicates"]["rows"]) > 10 and len(tables["stories"]["rows"]) > 0
    assert len(tables["search_index"]["rows"]) > 1000
    assert sum(bool(hits) for hits in tables["search results"].values()) >= 5
    return tables


@pytest.mark.slow
@pytest.mark.soak
@pytest.mark.parametrize("writers", [2, 4])
def test_concurrent_writers_end_with_one_runs_tables(postgres, corpus, one_run, tmp_path, cli_env, writers):
    spec = postgres.new_database()
    settings, reader = _writers(writers, corpus, tmp_path, spec, cli_env)
    tables = lake_tables(settings)
    assert {t: len(v["rows"]) for t, v in tables.items() if "rows" in v} == {
        t: len(v["rows"]) for t, v in one_run.items() if "rows" in v}
    assert tables["search results"] == one_run["search results"]
    assert tables == one_run
    assert reader.errors == [] and reader.queries > 0


@pytest.mark.slow
@pytest.mark.soak
def test_a_writer_killed_mid_run_then_a_rerun_ends_identical(postgres, corpus, one_run, tmp_path, cli_env):
    spec = postgres.new_database()
    settings = lake_settings(tmp_path, spec)
    env = _env(cli_env, spec, Path(settings.lake_data_path))
    victim = _start(corpus, tmp_path / "victim.duckdb", env)
    other = _start(corpus, tmp_path / "other.duckdb", env)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and victim.poll() is None:
        try:
            con = storage.connect(settings, read_only=True)
            try:
                if con.execute("SELECT count(*) FROM articles").fetchone()[0] > 0:
                    break
            finally:
                con.close()
        except Exception:  # noqa: BLE001 - the catalog is not created yet
            pass
        time.sleep(0.2)
    assert victim.poll() is None, "the writer finished before it could be killed; make the corpus larger"
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate()
    out, err = other.communicate(timeout=600)
    assert other.returncode == 0, err[-3000:]
    again = subprocess.run([sys.executable, "-m", "flows", "run", str(corpus), "--db", str(tmp_path / "victim.duckdb"),
                            "--no-progress", "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert lake_tables(settings) == one_run


def test_newsflow_search_on_a_postgres_catalog(postgres, tmp_path, monkeypatch, capsys):
    """The search index lives in the lake: updated in a write transaction (under the catalog
    lock), read by `newsflow search` from anywhere with the same settings."""
    from flows.cli import main
    from flows.search import update_index
    from test_search import corpus, insert

    spec = postgres.new_database()
    settings = lake_settings(tmp_path, spec)
    for name, value in [("STORAGE", "ducklake"), ("LAKE_CATALOG", spec), ("LAKE_DATA_PATH", settings.lake_data_path)]:
        monkeypatch.setenv(f"NEWSFLOW_{name}", value)
    with storage.transaction(settings) as con:
        insert(con, corpus(30), 0)
        insert(con, [{"id": "late", "title": "Harbour zeppelin sighted", "text": "A zeppelin over the harbour."}], 1)
        assert update_index(con) == 31
    assert main(["search", "zeppelin", "--db", str(tmp_path / "reader.duckdb")]) == 0
    assert "Harbour zeppelin sighted" in capsys.readouterr().out
