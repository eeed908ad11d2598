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
            "stories": con.execute("SELECT count(DISTINCT story_id), count(*) FROM stories").fetchall(),
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
