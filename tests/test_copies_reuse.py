"""Copies cost nothing twice (issue 12): the same bytes under another name are not cleaned
again, whether cleaned earlier in the run or stored by an earlier run; the tables are
what cleaning every copy gives."""
from __future__ import annotations

import shutil

import duckdb
import pytest

from flows.pipeline import newsflow_flow
from flows.settings import SAMPLES_DIR

pytestmark = pytest.mark.slow

TABLES = {
    "raw_articles": "SELECT source, kind, content_hash, content, content_encoding, size_bytes FROM raw_articles",
    "articles": "SELECT article_id, raw_id, source, url, title, author, published_date, language, text, word_count, "
                "site_name, extractor, warnings FROM articles",
    "quarantine": "SELECT raw_id, source, stage, reason, detail FROM quarantine",
    # which copy is canonical follows the ingestion order, which splitting into runs changes: the clusters do not
    "clusters": "SELECT list_sort(list(article_id) || [canonical_id]), list_sort(list(kind)) FROM duplicates "
                "GROUP BY canonical_id",
}


def tables(path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {name: sorted(map(repr, con.execute(sql).fetchall())) for name, sql in TABLES.items()}
    finally:
        con.close()


def test_copies_are_cleaned_once_and_give_the_tables_of_cleaning_each(prefect_api, tmp_path):
    first, copies = tmp_path / "first", tmp_path / "copies"
    shutil.copytree(SAMPLES_DIR, first)
    copies.mkdir()
    for i, page in enumerate(sorted(SAMPLES_DIR.glob("*.txt"))):
        shutil.copy(page, copies / f"wire-{i}.txt")
        shutil.copy(page, copies / f"wire-{i}-again.txt")

    split, together = tmp_path / "split.duckdb", tmp_path / "together.duckdb"
    newsflow_flow(sources=[str(first)], db_path=str(split))
    later = newsflow_flow(sources=[str(copies)], db_path=str(split))
    assert later["counts"]["clean_reused"] == 10  # 5 stored by the first run, 5 copies of copies
    assert later["counts"]["articles"] == 10 and later["counts"]["duplicates"] >= 10

    one = newsflow_flow(sources=[str(first), str(copies)], db_path=str(together))
    assert one["counts"]["clean_reused"] == 10
    assert tables(split) == tables(together)

    # batches of 2: the copies of batches committed two batches back come from the database
    small = tmp_path / "small.duckdb"
    run = newsflow_flow(sources=[str(first), str(copies)], db_path=str(small), batch_size=2)
    assert run["counts"]["clean_reused"] == 10
    assert tables(small) == tables(together)

    fresh = tmp_path / "fresh.duckdb"  # nothing reused across runs in a reprocess, nor needed in a fresh db
    newsflow_flow(sources=[str(copies)], db_path=str(fresh))
    con = duckdb.connect(str(fresh), read_only=True)
    fresh_rows = con.execute("SELECT source, title, text, published_date FROM articles ORDER BY source").fetchall()
    con.close()
    con = duckdb.connect(str(split), read_only=True)
    split_rows = con.execute("SELECT source, title, text, published_date FROM articles WHERE source LIKE '%wire-%' "
                             "ORDER BY source").fetchall()
    con.close()
    assert fresh_rows == split_rows
