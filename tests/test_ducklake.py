"""DuckLake storage (flows/storage/lake.py): the same tables and views in Parquet files plus a SQLite catalog."""
from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from flows import storage
from flows.storage import lake
from flows.settings import Settings


# --- the DDL transformer ------------------------------------------------------------------

def test_portable_ddl_strips_keys_and_indexes():
    sql = """-- a comment with PRIMARY KEY and ; in it
CREATE TABLE t (
    id   VARCHAR PRIMARY KEY,   -- UNIQUE in a comment
    code VARCHAR NOT NULL UNIQUE,
    note VARCHAR DEFAULT 'has PRIMARY KEY; and UNIQUE (x)',
    a INT, b INT,
    PRIMARY KEY (a, b),
    UNIQUE (code, a)
);
CREATE INDEX IF NOT EXISTS t_a ON t(a);
CREATE UNIQUE INDEX t_b ON t(b);
ALTER TABLE t ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'ingest';
"""
    out = lake.portable_ddl(sql)
    assert "INDEX" not in out.upper()
    assert "'has PRIMARY KEY; and UNIQUE (x)'" in out  # string literals untouched
    assert out.count("PRIMARY KEY") == 1 and "UNIQUE (x)" in out and "UNIQUE (code" not in out
    assert "code VARCHAR NOT NULL," in out and "ALTER TABLE t ADD COLUMN" in out
    con = duckdb.connect()
    con.execute(out)
    con.execute("INSERT INTO t VALUES ('x', 'c', 'n', 1, 1, 'k'), ('x', 'c', 'n', 1, 1, 'k')")  # no keys left
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 2


def test_portable_ddl_of_every_migration_runs_on_plain_duckdb():
    con = duckdb.connect()
    con.execute(lake.portable_ddl(storage.load_sql("schema_migrations")))
    for path in storage.migration_files():
        out = lake.portable_ddl(path.read_text(encoding="utf-8"))
        assert "PRIMARY KEY" not in out.upper() and "UNIQUE" not in out.upper() and "INDEX" not in out.upper()
        con.execute(out)


def test_default_locations_follow_db_path(tmp_path):
    settings = Settings(db_path=str(tmp_path / "news.duckdb"), storage="ducklake")
    assert lake.catalog_spec(settings) == f"sqlite:{tmp_path / 'news.lake.sqlite'}"
    assert lake.data_path(settings) == f"{tmp_path / 'news.lake'}/"
    other = settings.with_(lake_catalog=str(tmp_path / "meta.ducklake"), lake_data_path=str(tmp_path / "files"))
    assert lake.catalog_spec(other) == str(tmp_path / "meta.ducklake")
    assert lake.data_path(other) == f"{tmp_path / 'files'}/"
    assert lake.catalog_spec(settings.with_(lake_catalog="postgres:dbname=news")) == "postgres:dbname=news"


def test_unknown_storage_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_STORAGE", "parquet")
    with pytest.raises(ValueError, match="storage"):
        storage.connect(tmp_path / "x.duckdb")


# --- connections --------------------------------------------------------------------------

@pytest.fixture
def lake_env(monkeypatch):
    monkeypatch.setenv("NEWSFLOW_STORAGE", "ducklake")


def test_connect_creates_the_tables_and_views_in_the_lake(tmp_path, lake_env):
    path = tmp_path / "news.duckdb"
    with pytest.raises(FileNotFoundError):
        storage.connect(path, read_only=True)
    con = storage.connect(path)
    assert lake.is_lake(con)
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake'").fetchall()}
    assert {"raw_articles", "articles", "quarantine", "runs", "duplicates", "stories", "schema_migrations"} <= tables
    views = {r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE database_name = 'lake'").fetchall()}
    assert {"articles_unique", "duplicate_clusters", "story_summary"} <= views
    snapshots = con.execute("SELECT count(*) FROM lake.snapshots()").fetchone()[0]
    con.close()
    # A second open applies nothing and replaces no view: no new snapshot.
    con = storage.connect(path)
    assert con.execute("SELECT count(*) FROM lake.snapshots()").fetchone()[0] == snapshots
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(storage.migration_files())
    con.close()
    assert (tmp_path / "news.lake.sqlite").exists()
    ro = storage.connect(path, read_only=True)
    with pytest.raises(duckdb.Error):
        ro.execute("DELETE FROM runs")
    ro.close()


def test_readers_see_committed_snapshots_while_a_writer_works(tmp_path, lake_env):
    path = tmp_path / "news.duckdb"
    writer = storage.connect(path)  # holds the host file, as a run's batch commit does
    writer.execute("BEGIN TRANSACTION")
    writer.execute("INSERT INTO runs (run_id, started_at, status) VALUES ('r1', now(), 'running')")
    reader = storage.connect(path, read_only=True, wait_s=0)  # no wait: readers do not open the host file
    assert reader.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    writer.execute("COMMIT")
    reader.close()
    reader = storage.connect(path, read_only=True, wait_s=0)
    assert reader.execute("SELECT run_id FROM runs").fetchall() == [("r1",)]
    reader.close()
    writer.close()


# --- the real flow ------------------------------------------------------------------------

def _snapshot(con) -> dict:
    return {
        table: con.execute(f"SELECT * EXCLUDE ({excl}) FROM {table} ORDER BY ALL").fetchall()
        for table, excl in [
            ("raw_articles", "content"), ("articles", "text"), ("quarantine", "detail"),
            ("duplicates", "detected_at"), ("stories", "story_id"), ("dedup_pairs", "checked_at"),
        ]
    }


def _searches(con) -> dict:
    from flows.search import search

    return {q: search(con, q, 50).fetchall() for q in ("north korea munitions", "Russia", "the", "shells artillery")}


@pytest.mark.slow
def test_pipeline_on_a_ducklake_catalog(prefect_api, tmp_path, lake_env):
    from flows.pipeline import newsflow_flow

    path = tmp_path / "news.duckdb"
    started = time.monotonic()
    first = newsflow_flow(db_path=str(path))
    first_s = time.monotonic() - started
    assert first["status"] == "completed"

    con = storage.connect(path, read_only=True)
    assert lake.is_lake(con)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("raw_articles", "articles", "quarantine", "duplicates", "articles_unique")}
    assert counts == {"raw_articles": 5, "articles": 5, "quarantine": 0, "duplicates": 1, "articles_unique": 4}
    assert con.execute(
        "SELECT count(*) FROM articles WHERE article_id NOT IN (SELECT article_id FROM stories)"
    ).fetchone()[0] == 0
    assert con.execute("SELECT sum(n_articles) FROM story_summary").fetchone()[0] == 5
    assert con.execute("SELECT count(*) FROM duplicate_clusters").fetchone()[0] == 1
    before = _snapshot(con)
    lake_hits = _searches(con)
    con.close()
    assert lake_hits["north korea munitions"]

    # The same seeds in a DuckDB file: the same search results.
    file_db = tmp_path / "file.duckdb"
    assert newsflow_flow(db_path=str(file_db), storage="duckdb")["status"] == "completed"
    con = storage.connect(Settings.from_env(db_path=str(file_db), storage="duckdb"), read_only=True)
    assert _searches(con) == lake_hits
    con.close()

    started = time.monotonic()
    second = newsflow_flow(db_path=str(path))
    second_s = time.monotonic() - started
    assert second["status"] == "completed"
    con = storage.connect(path, read_only=True)
    assert _snapshot(con) == before
    assert con.execute("SELECT count(*) FROM runs WHERE status = 'completed'").fetchone()[0] == 2
    con.close()

    # The rows are Parquet files under the data path, listed in the SQLite catalog.
    files = list(Path(f"{tmp_path / 'news.lake'}").rglob("*.parquet"))
    assert files
    raw_files = [f for f in files if f.parent.name == "raw_articles"]
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet({[str(f) for f in raw_files]})").fetchone()[0] == 5
    # Nothing went into the host file: the plain DuckDB open sees no tables.
    monkey_free = duckdb.connect(str(path), read_only=True)
    assert monkey_free.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] == 0
    monkey_free.close()
    print(f"ducklake flow: first run {first_s:.1f} s, second run {second_s:.1f} s, {len(files)} parquet files")
