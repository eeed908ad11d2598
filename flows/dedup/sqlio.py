"""Running the dedup SQL files (``sql/queries/dedup/*.sql``) over Arrow batches.

Callers name a file by its stem; the older ``dedup_`` prefix is accepted too.
"""
from __future__ import annotations

import duckdb
import pyarrow as pa

from ..storage.sqlfiles import query, query_arrow


def _name(name: str) -> str:
    return f"queries/dedup/{name.removeprefix('dedup_')}"


def run(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table | None = None,
        params: dict | None = None) -> list[tuple]:
    """Execute ``sql/queries/dedup/<name>.sql``, with ``table`` visible as ``batch``; return the rows."""
    return query(con, _name(name), table, params)


def run_arrow(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table | None = None,
              params: dict | None = None) -> pa.Table:
    """Like ``run`` but the result as an Arrow table (no Python objects per row)."""
    return query_arrow(con, _name(name), table, params)
