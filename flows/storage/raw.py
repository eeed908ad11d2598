"""Reading the raw layer back: what is stored already, and the documents themselves.

A run skips what an earlier run stored; a reprocess rebuilds the documents
from the raw layer, byte for byte, with the ids and hints they were read with.
"""
from __future__ import annotations

import json
from pathlib import Path

import duckdb

from ..records import Article, RawDocument, unpack
from ..settings import Settings
from .connection import connect
from .sqlfiles import execute_script, id_table, query


def known_raw_ids(con: duckdb.DuckDBPyConnection, raw_ids: list[str]) -> set[str]:
    """Which of ``raw_ids`` are stored already."""
    if not raw_ids:
        return set()
    return {row[0] for row in query(con, "queries/raw/known_raw_ids", id_table("raw_id", raw_ids))}


def _read(settings: Settings, fn, default):
    """``fn(con)`` on a read-only connection; ``default`` when there is no database yet."""
    if not Path(settings.db_path).exists():
        return default
    con = connect(settings, read_only=True)
    try:
        return fn(con)
    finally:
        con.close()


def stored_raw_ids(settings: Settings, raw_ids: list[str]) -> set[str]:
    """``known_raw_ids`` for a run: nothing is stored when the database does not exist yet."""
    return _read(settings, lambda con: known_raw_ids(con, raw_ids), set()) if raw_ids else set()


def fetched_sources(settings: Settings) -> set[str]:
    """URLs fetched by earlier runs (the fetch ledger)."""
    return _read(settings, lambda con: {row[0] for row in query(con, "queries/raw/known_sources")}, set())


DEDUP_REBUILD = "dedup_rebuild"  # pending_work task: the dedup tables were emptied and not rebuilt yet


def reset_for_reprocess(con: duckdb.DuckDBPyConnection, since: str | None, run_id: str) -> list[str]:
    """The raw ids a reprocess recomputes (in ingestion order); every dedup row is removed and
    the rebuild noted in pending_work, in the caller's transaction. Their articles and
    quarantine rows stay until each batch replaces them (``replace_batch_outcomes``), so a
    reprocess killed at any point leaves every raw row with an outcome."""
    raw_ids = [r[0] for r in query(con, "queries/raw/reprocess_raw_ids", params={"since": since})]
    execute_script(con, "queries/dedup/reset")
    note_pending(con, DEDUP_REBUILD, run_id)
    return raw_ids


def replace_batch_outcomes(con: duckdb.DuckDBPyConnection, raw_ids: list[str]) -> None:
    """Forget the articles and quarantine rows of these raw documents, in the transaction that
    stores their new ones."""
    con.register("batch", id_table("raw_id", raw_ids))
    try:
        execute_script(con, "queries/raw/reprocess_reset_batch")
    finally:
        con.unregister("batch")


def note_pending(con: duckdb.DuckDBPyConnection, task: str, run_id: str) -> None:
    """Work the next run must finish if this one dies first (pending_work)."""
    execute_script(con, "queries/runs/pending_work_add", {"task": task, "run_id": run_id})


def pending_done(con: duckdb.DuckDBPyConnection, task: str) -> None:
    execute_script(con, "queries/runs/pending_work_done", {"task": task})


def pending_work(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(task, run_id, created_at) left by killed runs, oldest first."""
    return query(con, "queries/runs/pending_work_list")


def load_raw_documents(settings: Settings, raw_ids: list[str]) -> list[RawDocument]:
    """Stored raw documents, rebuilt as they were read (same ids, bytes and hints)."""
    con = connect(settings, migrate=False)
    try:
        rows = query(con, "queries/raw/raw_documents", id_table("raw_id", raw_ids))
    finally:
        con.close()
    return [
        RawDocument(
            source=source, kind=kind, content=unpack(content, encoding, size), url=url, fetched_at=fetched_at,
            hints=json.loads(hints) if hints else {}, error=read_error, content_type=content_type,
            content_hash=content_hash, raw_id=raw_id,
        )
        for raw_id, source, kind, url, content_hash, content, encoding, size, content_type, hints, read_error,
        fetched_at in rows
    ]


def stored_articles(con: duckdb.DuckDBPyConnection, limit: int, offset: int) -> list[Article]:
    """A page of stored articles in ingestion order (dedup is rebuilt in that order)."""
    rows = query(con, "queries/articles/articles_in_order", params={"limit": limit, "offset": offset})
    return [
        Article(article_id=r[0], raw_id=r[1], source=r[2], url=r[3], title=r[4], author=r[5],
                published_date=r[6], language=r[7], text=r[8], word_count=r[9], site_name=r[10],
                extractor=r[11] or "")
        for r in rows
    ]
