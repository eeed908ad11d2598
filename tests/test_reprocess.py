"""`newsflow reprocess`: recompute from the raw layer; equals a fresh run over the same inputs."""
from __future__ import annotations

import duckdb
import pytest

from flows.pipeline import newsflow_flow, reprocess_flow

pytestmark = pytest.mark.slow


def derived_state(path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "articles": con.execute("SELECT article_id, title, published_date, author, text FROM articles ORDER BY ALL").fetchall(),
            "quarantine": con.execute("SELECT raw_id, stage, reason FROM quarantine ORDER BY ALL").fetchall(),
            "duplicates": con.execute("SELECT article_id, canonical_id, kind, round(similarity, 6) FROM duplicates ORDER BY ALL").fetchall(),
            "stories": con.execute("SELECT article_id, story_id FROM stories ORDER BY ALL").fetchall(),
        }
    finally:
        con.close()


def test_reprocess_repairs_derived_tables(prefect_api, tmp_path):
    fresh, damaged = tmp_path / "fresh.duckdb", tmp_path / "damaged.duckdb"
    newsflow_flow(db_path=str(fresh))
    newsflow_flow(db_path=str(damaged))
    con = duckdb.connect(str(damaged))
    # What an older cleaner might have left: wrong text and titles, a lost duplicate, a stray quarantine row.
    con.execute("UPDATE articles SET title = 'old title', text = 'old text' WHERE title IS NULL")
    con.execute("DELETE FROM duplicates")
    con.close()
    assert derived_state(damaged) != derived_state(fresh)

    result = reprocess_flow(db_path=str(damaged))
    assert result["status"] == "completed"
    assert result["counts"]["reprocessed"] == 5
    assert derived_state(damaged) == derived_state(fresh)
    con = duckdb.connect(str(damaged), read_only=True)
    assert con.execute("SELECT kind FROM runs ORDER BY started_at").fetchall() == [("ingest",), ("reprocess",)]


def test_reprocess_since_a_future_date_touches_nothing(prefect_api, tmp_path):
    path = tmp_path / "n.duckdb"
    newsflow_flow(db_path=str(path))
    before = derived_state(path)
    result = reprocess_flow(db_path=str(path), since="2999-01-01")
    assert result["counts"]["reprocessed"] == 0
    assert derived_state(path) == before


def test_raw_content_packed_by_workers_round_trips(tmp_path):
    """Pages compressed by the cleaning workers are stored compressed (zstd) and read back byte for byte."""
    from flows import storage
    from flows.clean import Cleaner
    from flows.storage.raw import load_raw_documents
    from flows.records import RawDocument
    from flows.settings import Settings
    from flows.storage.writes import store_batch

    page = ("<html><body><article>" + "".join(
        f"<p>Paragraph {i}: the council debated the budget for the new bridge and the school.</p>"
        for i in range(80)) + "</article></body></html>").encode()
    docs = [RawDocument(source=f"/data/p{i}.html", kind="html", content=page + str(i).encode()) for i in range(3)]
    small = RawDocument(source="/data/small.txt", kind="text", content=b"A short text that is stored as it is.")
    settings = Settings(db_path=str(tmp_path / "packed.duckdb"), workers=1)
    cleaner = Cleaner(settings)
    try:
        cleaner.clean(docs)
    finally:
        cleaner.close()
    assert all(d.packed is not None and len(d.packed) < len(d.content) / 3 for d in docs)
    with storage.transaction(settings.db_path) as con:
        store_batch(con, "run1", docs + [small], [], [], [], 0)
    con = duckdb.connect(settings.db_path, read_only=True)
    rows = dict(con.execute("SELECT source, content_encoding FROM raw_articles").fetchall())
    sizes = dict(con.execute("SELECT source, size_bytes FROM raw_articles").fetchall())
    con.close()
    assert rows["/data/p0.html"] == "zstd" and rows["/data/small.txt"] is None
    assert sizes["/data/p0.html"] == len(docs[0].content)
    back = {d.source: d for d in load_raw_documents(settings, [d.raw_id for d in docs + [small]])}
    for original in docs + [small]:
        assert back[original.source].content == original.content
        assert back[original.source].raw_id == original.raw_id


def test_reprocess_rebuilds_the_stories_in_arrival_order(prefect_api, tmp_path):
    """Stories are greedy in arrival order, and a batch's rows share one ingested_at: the rebuild
    took a batch's articles by id and made 81 stories of these 90 texts where the run made 80. The
    order dedup first numbered them in is kept for the rebuild (dedup_prior_order)."""
    import gzip
    import json

    from tests_support import ROOT

    bodies = json.loads(gzip.decompress((ROOT / "tests" / "fixtures" / "dev_bodies.json.gz").read_bytes()))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bodies.jsonl").write_text("".join(json.dumps({"text": b["articleBody"]}) + "\n"
                                                 for b in bodies.values()), encoding="utf-8")
    db = tmp_path / "n.duckdb"
    newsflow_flow(sources=[str(folder)], db_path=str(db), batch_size=15)
    before = derived_state(db)
    assert reprocess_flow(db_path=str(db), batch_size=15)["status"] == "completed"
    assert derived_state(db) == before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM dedup_prior_order").fetchone() == (0,)  # emptied once rebuilt
