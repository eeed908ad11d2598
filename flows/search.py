"""BM25 full-text search over article titles and texts, kept as plain tables.

The index is four tables (``sql/migrations/008_search_index.sql``): terms,
docs (with each article's token count), postings (term frequency per
article) and the stop words. They live wherever ``articles`` lives, a DuckDB
file or a DuckLake, and a run only appends to them. Articles are tokenized,
stopped and stemmed exactly as DuckDB's fts extension indexes them, and
``sql/queries/search/bm25.sql`` scores them as its ``match_bm25`` does: the
results equal the fts index's (tests/test_search.py compares them). Only the
extension's ``stem()`` is used, from the installed ``duckdb-extension-fts``
package (never downloaded); fts's own index could not be kept in a DuckLake
(it is made of macros) and cannot be extended, only rebuilt.

After a run the pipeline calls ``update_index`` inside a write transaction
(on a lake it holds the catalog lock): articles deleted or re-inserted since
they were indexed (a reprocess) are taken out, the articles not indexed yet
go in. Document frequencies and the corpus statistics are counted at query
time, so nothing is ever rewritten and concurrent writers stay consistent.
"""
from __future__ import annotations

import logging

import duckdb

from .storage.extensions import load_extension
from .storage.sqlfiles import execute_script, load_sql, query

log = logging.getLogger(__name__)


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """The fts extension (for ``stem``) and the ``bm25`` macro, on this connection."""
    load_extension(con, "fts")
    con.execute(load_sql("queries/search/bm25"))


INDEX_CHUNK = 4000  # articles indexed per statement: a first build's memory is that of a chunk
# (the missing articles are found and numbered once, then taken a chunk at a time)
INDEX_CHUNK_BYTES = 24_000_000  # ...or fewer, once their titles and texts reach about this size: 200
# articles of 270 KB (54 MB) in one statement did not fit in the step's 256 MB and were indexed twice


def update_index(con: duckdb.DuckDBPyConnection, chunk: int = INDEX_CHUNK, chunk_bytes: int = INDEX_CHUNK_BYTES) -> int:
    """Bring the index up to date with ``articles``; returns how many articles it indexed.

    Run it inside the caller's write transaction, as the pipeline does, so readers
    never see a half-updated index and a killed run leaves the index as it was."""
    load_fts(con)
    stale = execute_script(con, "queries/search/stale_docs")[0][0]
    if stale:
        execute_script(con, "queries/search/remove_stale")
    con.execute("DROP TABLE search_stale")
    missing, chunks = execute_script(con, "queries/search/missing_articles",
                                     {"chunk_articles": chunk, "chunk_bytes": chunk_bytes})[0]
    for number in chunks:  # a chunk at a time: a first build held all in memory
        execute_script(con, "queries/search/new_articles", {"chunk": number})
        execute_script(con, "queries/search/append")
        con.execute("DROP TABLE search_new")
    con.execute("DROP TABLE search_missing")
    return int(missing)


def index_exists(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the index tables exist (migration 008; ``index_size`` tells whether they are filled)."""
    return bool(query(con, "queries/search/index_state")[0][0])


def index_size(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(articles indexed, articles stored)."""
    indexed, total = query(con, "queries/search/index_size")[0]
    return int(indexed), int(total)


def search(con: duckdb.DuckDBPyConnection, words: str, limit: int = 20) -> duckdb.DuckDBPyRelation:
    load_fts(con)
    return con.sql(load_sql("queries/search/articles"), params={"query": words, "limit": limit})
