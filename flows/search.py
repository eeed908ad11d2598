"""BM25 full-text search over article titles and texts (DuckDB's fts extension).

The extension is loaded from the installed ``duckdb-extension-fts`` package
file, never downloaded. Its index does not follow table changes, and a full
rebuild costs seconds per ten thousand articles and grows with the corpus, so
after a run the pipeline calls ``update_index``: it appends the new articles
to the index tables (which are plain tables in schema ``fts_main_articles``;
scores are computed at query time from df, tf, doc lengths and stats) and
rebuilds only when indexed articles were deleted or re-inserted since.
"""
from __future__ import annotations

import logging

import duckdb

from .storage.extensions import load_extension
from .storage.sqlfiles import execute_script, load_sql


log = logging.getLogger(__name__)

UNAVAILABLE_ON_LAKE = (
    "full-text search is not available with storage=ducklake: DuckDB's fts index cannot be "
    "stored in a DuckLake catalog; query the articles with `newsflow query` (e.g. ILIKE) instead"
)


def unavailable_reason(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why search cannot work on this connection (a DuckLake), or None."""
    from .storage.lake import is_lake

    return UNAVAILABLE_ON_LAKE if is_lake(con) else None


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    load_extension(con, "fts")


def rebuild_index(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the index over articles(title, text); Porter stemming, English stop words."""
    if unavailable_reason(con):
        log.warning("search index skipped: %s", UNAVAILABLE_ON_LAKE)
        return
    load_fts(con)
    execute_script(con, "queries/search/rebuild")


def update_index(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the index up to date with ``articles``; returns how many articles it
    indexed (after a rebuild: all of them).

    Appends the articles not indexed yet, giving the same dict, docs, stats and
    scores a full rebuild would. Rebuilds instead when there is no index yet
    (or one without our ``sync`` table), or when indexed articles were deleted
    or re-inserted (a reprocess), since their old terms would have to be taken
    out. Run it inside the caller's write transaction, as the pipeline does,
    so readers never see a half-updated index."""
    if unavailable_reason(con):
        log.warning("search index skipped: %s", UNAVAILABLE_ON_LAKE)
        return 0
    load_fts(con)
    if not index_exists(con) or not _has_sync_table(con):
        rebuild_index(con)
        return _indexed_count(con)
    con.execute(load_sql("queries/search/new_articles"))
    gone, reinserted, new = con.execute(load_sql("queries/search/staleness")).fetchone()
    if gone or reinserted:
        con.execute("DROP TABLE fts_new")
        rebuild_index(con)
        return _indexed_count(con)
    if not new:
        con.execute("DROP TABLE fts_new")
        return 0
    execute_script(con, "queries/search/append")
    return int(new)


def _has_sync_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(load_sql("queries/search/has_sync")).fetchone()[0])


def _indexed_count(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM fts_main_articles.docs").fetchone()[0])


def index_exists(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_articles'"
    ).fetchone()[0])


def search(con: duckdb.DuckDBPyConnection, words: str, limit: int = 20) -> duckdb.DuckDBPyRelation:
    reason = unavailable_reason(con)
    if reason:
        raise RuntimeError(reason)
    load_fts(con)
    return con.sql(load_sql("queries/search/articles"), params={"query": words, "limit": limit})
