"""The seeds end to end through the real Prefect flow (SEEDS.md), asserted with SQL."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from flows.pipeline import newsflow_flow

pytestmark = pytest.mark.slow


def seed_id(source: str) -> str:
    return source.rsplit("/", 1)[-1][:3]


@pytest.fixture(scope="module")
def seeded_db(prefect_api, tmp_path_factory):
    from flows.dedup import stories

    path = tmp_path_factory.mktemp("seeds") / "news.duckdb"
    first = newsflow_flow(db_path=str(path))
    first["story_book_kept_after_the_run"] = stories._KEPT.book is not None  # test_the_story_book_is_let_go
    con = duckdb.connect(str(path), read_only=True)
    before = snapshot(con)
    con.close()
    second = newsflow_flow(db_path=str(path))
    return path, first, second, before


def snapshot(con) -> dict:
    """Everything a re-run must leave unchanged."""
    return {
        table: con.execute(f"SELECT * EXCLUDE ({excl}) FROM {table} ORDER BY ALL").fetchall()
        for table, excl in [
            ("raw_articles", "content"), ("articles", "text"), ("quarantine", "detail"),
            ("duplicates", "detected_at"), ("stories", "story_id"),
        ]
    }


def test_counts_and_summary(seeded_db):
    path, first, _, _ = seeded_db
    c = first["counts"]
    assert first["status"] == "completed"
    assert (c["read"], c["new"], c["articles"], c.get("quarantined", 0), c["duplicates"]) == (5, 5, 5, 0, 1)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM raw_articles").fetchone()[0] == 5
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM articles_unique").fetchone()[0] == 4
    run = con.execute("SELECT run_id, status, finished_at IS NOT NULL FROM runs ORDER BY started_at").fetchall()
    assert [r[1] for r in run] == ["completed", "completed"]
    # The flow run id is the run_id of every row the first run wrote.
    assert {r[0] for r in con.execute("SELECT DISTINCT run_id FROM raw_articles").fetchall()} == {first["run_id"]}


def test_the_story_book_is_let_go_when_the_run_ends(seeded_db):
    """The story step keeps its book between a run's batches, not after the run (its memory)."""
    _, first, _, _ = seeded_db
    assert first["story_book_kept_after_the_run"] is False


def test_the_workers_are_let_go_before_the_last_batch_is_stored(prefect_api, tmp_path, monkeypatch):
    """Nothing is left to clean once the last batch's cleaning is in: its store, the run's checks
    and the search index run without the workers' memory beside them."""
    from flows.pipeline import batches

    pools_at_store: list[bool] = []  # whether the cleaner still had workers, at each batch's store
    process_batches, finish_batch = batches.process_batches, batches.finish_batch

    def watched(batch_docs, settings, run_id, cleaner, *args, **kwargs):
        def finish(*a, **k):
            pools_at_store.append(cleaner._pool is not None)
            return finish_batch(*a, **k)

        monkeypatch.setattr(batches, "finish_batch", finish)
        return process_batches(batch_docs, settings, run_id, cleaner, *args, **kwargs)

    monkeypatch.setattr(batches, "process_batches", watched)
    monkeypatch.setattr("flows.pipeline.flows.process_batches", watched)
    pages = tmp_path / "pages"  # HTML: cleaned in the worker processes
    pages.mkdir()
    for i in range(4):
        body = " ".join(f"Paragraph {j} of page {i} says something about the river, the bridge and the town."
                        for j in range(12))
        (pages / f"page-{i}.html").write_text(
            f"<html><head><title>Page {i}</title></head><body><article><h1>Page {i}</h1>"
            f"<p>{body}</p><p>{body.upper()}</p></article></body></html>", encoding="utf-8")
    result = newsflow_flow(sources=[str(pages)], db_path=str(tmp_path / "news.duckdb"), batch_size=2)
    assert result["counts"]["new"] == 4
    assert pools_at_store == [True, False]  # batch 0 stored while batch 1 was cleaned; batch 1 after


def test_a_batch_over_its_memory_limit_is_done_again_without_it(seeded_db, tmp_path, monkeypatch):
    """NEWSFLOW_BATCH_MEMORY too small for DuckDB: the batch's transaction is rolled back and
    done again without the limit, and the run stores what it stores without one."""
    path, first, _, before = seeded_db
    monkeypatch.setenv("NEWSFLOW_BATCH_MEMORY", "1MB")
    limited = tmp_path / "limited.duckdb"
    result = newsflow_flow(db_path=str(limited))
    assert result["counts"]["articles"] == first["counts"]["articles"] == 5
    con = duckdb.connect(str(limited), read_only=True)
    try:
        assert {k: len(v) for k, v in snapshot(con).items()} == {k: len(v) for k, v in before.items()}
        assert con.execute("SELECT count(*) FROM raw_articles").fetchone()[0] == 5  # once, not twice
    finally:
        con.close()


def test_the_one_duplicate_is_001_of_000(seeded_db):
    path, *_ = seeded_db
    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute("""
        SELECT a.source, c.source, d.kind, d.similarity
        FROM duplicates d JOIN articles a ON a.article_id = d.article_id
        JOIN articles c ON c.article_id = d.canonical_id
    """).fetchall()
    assert len(rows) == 1
    dup, canon, kind, similarity = rows[0]
    assert (seed_id(dup), seed_id(canon), kind) == ("001", "000", "near")
    assert 0.7 <= similarity <= 1.0


def test_metadata_of_the_seeds(seeded_db):
    path, *_ = seeded_db
    con = duckdb.connect(str(path), read_only=True)
    rows = {seed_id(s): (t, d, a, lang, text) for s, t, d, a, lang, text in con.execute(
        "SELECT source, title, published_date, author, language, text FROM articles").fetchall()}
    assert rows["001"][0] == "Russian foreign minister dismisses US claims of North Korea supplying munitions to Moscow as rumors"
    assert rows["003"][0] == "Russia's foreign minister will visit North Korea amid claims of weapons supplied to Moscow".replace("'", "\u2019") \
        or rows["003"][0] == "Russia's foreign minister will visit North Korea amid claims of weapons supplied to Moscow"
    assert rows["004"][0] == "U.S. says N. Korea delivered 1,000 containers of equipment, munitions to Russia for Ukraine war"
    assert rows["000"][0] is None and rows["002"][0] is None
    assert {k: v[1] for k, v in rows.items()} == {
        "000": dt.date(2023, 10, 21), "001": dt.date(2025, 4, 16), "002": dt.date(2023, 10, 18),
        "003": dt.date(2025, 5, 1), "004": dt.date(2023, 10, 13),
    }
    assert rows["004"][2] == "Aamer Madhani"
    assert all(v[3] == "en" for v in rows.values())
    assert "verdicoin" not in rows["003"][4]
    assert "this week, the Foreign Ministry said Monday" in rows["003"][4]
    for _, (_, _, _, _, text) in rows.items():
        assert "\n\n" in text and "\n\n\n" not in text


def test_second_run_changes_nothing(seeded_db):
    path, _, second, before = seeded_db
    assert second["status"] == "completed"
    assert second["counts"]["new"] == 0 if "new" in second["counts"] else True
    assert second["counts"].get("articles", 0) == 0
    con = duckdb.connect(str(path), read_only=True)
    assert snapshot(con) == before


def test_every_raw_row_is_accounted_for(seeded_db):
    path, *_ = seeded_db
    con = duckdb.connect(str(path), read_only=True)
    missing = con.execute("""
        SELECT raw_id FROM raw_articles
        WHERE raw_id NOT IN (SELECT raw_id FROM articles) AND raw_id NOT IN (SELECT raw_id FROM quarantine)
    """).fetchall()
    assert missing == []
    failed = con.execute("SELECT stage, check_name FROM dq_results WHERE NOT success AND severity = 'error'").fetchall()
    assert failed == []
