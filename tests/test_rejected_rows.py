"""A flood of rows rejected at ingest (a JSON lines file of `{}`): every row keeps its own quarantine
row, but the rows ride in few batches and skip the per-row checks they do not need (fuzzing
campaign, session 11: 1,100 rows a second before, a 10 MB file took most of an hour)."""
from __future__ import annotations

import json

import duckdb
import pytest

from flows.pipeline import newsflow_flow
from flows.pipeline.batches import batched_documents
from flows.quality import check_raw
from flows.records import RawDocument
from flows.settings import Settings
from tests_support import SEEDS_DIR

BAD_ROWS = 3000


def _unread(i: int) -> RawDocument:
    return RawDocument(f"/in/rows.jsonl#{i}", "text", b"{}", error="no text or html field")


def test_unreadable_documents_fill_a_batch_beyond_its_size():
    good = [RawDocument(f"/in/{i}.txt", "text", b"story %d" % i) for i in range(3)]
    docs = [good[0], *map(_unread, range(10)), good[1], *map(_unread, range(10, 25)), good[2]]
    batches = list(batched_documents(docs, size=2, max_bytes=1 << 20, unread_size=20))
    # two documents to clean close a batch; the unread ones only at 20 documents in all
    assert [len(b) for b in batches] == [12, 16]
    assert [sum(1 for d in b if not d.error) for b in batches] == [2, 1]
    assert [d.source for b in batches for d in b] == [d.source for d in docs]


def test_unread_documents_are_counted_by_the_readable_check_without_a_frame(tmp_path):
    docs = [RawDocument("/in/a.txt", "text", b"A story told in plain words.")] + [_unread(i) for i in range(500)]
    outcome = check_raw(docs, Settings(db_path=str(tmp_path / "x.duckdb")), batch=0)
    results = {r.check_name: r for r in outcome.results}
    readable = results["readable"]
    assert (readable.success, readable.unexpected_count, readable.element_count) == (False, 500, 501)
    assert readable.observed == "500 of 501 rows, e.g. no text or html field"
    assert all(r.element_count == 501 for r in outcome.results)
    assert all(r.success for name, r in results.items() if name != "readable")
    assert outcome.rejected[docs[1].raw_id] == ("readable", "no text or html field")
    assert len(outcome.rejected) == 500


@pytest.fixture(scope="module")
def flood(prefect_api, tmp_path_factory):
    folder = tmp_path_factory.mktemp("flood")
    story = (SEEDS_DIR / "000_23e261e2bfe35961.txt").read_text(encoding="utf-8")
    lines = []
    for i in range(BAD_ROWS):
        lines.append("{}" if i % 2 else json.dumps({"url": f"https://example.org/{i}"}))
        if i in (10, 1500, 2990):  # valid rows among them are cleaned as before
            lines.append(json.dumps({"text": story + f"\n\nUpdate {i}: the council met again on Monday.",
                                     "url": f"https://example.org/story-{i}"}))
    (folder / "rows.jsonl").write_text("\n".join(lines) + "\n")
    db = tmp_path_factory.mktemp("db") / "flood.duckdb"
    settings = Settings(db_path=str(db), batch_size=2)  # 1,500 batches if bad rows counted toward it
    first = newsflow_flow(sources=[str(folder)], settings=settings)
    second = newsflow_flow(sources=[str(folder)], settings=settings)
    return db, first, second


@pytest.mark.slow
def test_every_bad_row_has_its_own_quarantine_row(flood):
    db, first, _ = flood
    con = duckdb.connect(str(db), read_only=True)
    try:
        reasons = con.execute("SELECT stage, reason, count(*) FROM quarantine GROUP BY ALL").fetchall()
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        unaccounted = con.execute(
            "SELECT count(*) FROM raw_articles r WHERE r.raw_id NOT IN (SELECT raw_id FROM articles) "
            "AND r.raw_id NOT IN (SELECT raw_id FROM quarantine)").fetchone()[0]
        raw = con.execute("SELECT count(*) FROM raw_articles").fetchone()[0]
        batches = con.execute("SELECT count(DISTINCT batch) FROM dq_results WHERE stage = 'raw'").fetchone()[0]
        readable = con.execute("SELECT sum(unexpected_count) FROM dq_results "
                               "WHERE stage = 'raw' AND check_name = 'readable'").fetchone()[0]
    finally:
        con.close()
    assert first["status"] == "completed"
    assert reasons == [("ingest", "no_text_field", BAD_ROWS)]
    assert articles == 3 and raw == BAD_ROWS + 3 and unaccounted == 0
    assert readable == BAD_ROWS
    assert batches <= 3  # the three valid rows close batches of two; the bad rows add none


@pytest.mark.slow
def test_running_the_flood_again_adds_nothing(flood):
    db, _, second = flood
    assert second["status"] == "completed"
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw_articles").fetchone()[0] == BAD_ROWS + 3
        assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == BAD_ROWS
    finally:
        con.close()
