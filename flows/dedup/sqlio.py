"""Running the dedup SQL files (sql/queries/dedup_*.sql) over Arrow batches."""
from __future__ import annotations

import duckdb
import pyarrow as pa

from ..db import load_sql


def run(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table | None = None,
        params: dict | None = None) -> list[tuple]:
    """Execute ``sql/queries/<name>.sql``, with ``table`` visible as ``batch``; return the rows."""
    if table is not None:
        con.register("batch", table)
    try:
        cur = con.execute(load_sql(f"queries/{name}"), params or {})
        try:
            return cur.fetchall()
        except duckdb.InvalidInputException:  # statements that return nothing
            return []
    finally:
        if table is not None:
            con.unregister("batch")


def run_arrow(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table | None = None,
              params: dict | None = None) -> pa.Table:
    """Like ``run`` but the result as an Arrow table (no Python objects per row)."""
    if table is not None:
        con.register("batch", table)
    try:
        return con.execute(load_sql(f"queries/{name}"), params or {}).fetch_arrow_table()
    finally:
        if table is not None:
            con.unregister("batch")
