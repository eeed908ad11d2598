"""SQL files loaded by name, and Arrow batches made visible to them as ``batch``.

SQL lives in ``sql/`` as files; values always go in as parameters. A query
that reads a batch of rows (ids to look up, rows to insert) sees it as the
relation ``batch``: ``with_batch`` is the one place that registers it.
"""
from __future__ import annotations

import contextlib
from functools import cache
from typing import Iterator

import duckdb
import pyarrow as pa

from ..settings import SQL_DIR


@cache
def load_sql(name: str) -> str:
    """Read ``sql/<name>.sql`` (e.g. ``queries/raw/insert_raw``)."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def execute_script(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> list[tuple]:
    """Run a SQL file of several statements; each gets the parameters it names. Returns the
    rows of the last statement (none for a statement that returns nothing)."""
    cur = None
    for statement in load_sql(name).split(";\n"):
        body = "\n".join(line for line in statement.splitlines() if not line.lstrip().startswith("--")).strip()
        if not body:
            continue
        used = {k: v for k, v in (params or {}).items() if f"${k}" in body}
        cur = con.execute(body, used or None)
    try:
        return cur.fetchall() if cur is not None else []
    except duckdb.InvalidInputException:  # the last statement returns nothing
        return []


@contextlib.contextmanager
def with_batch(con: duckdb.DuckDBPyConnection, table: pa.Table | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """``table`` visible to the connection's queries as ``batch`` for the block (nothing when None)."""
    if table is None:
        yield con
        return
    con.register("batch", table)
    try:
        yield con
    finally:
        con.unregister("batch")


def query(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table | None = None,
          params: dict | list | None = None) -> list[tuple]:
    """Execute ``sql/<name>.sql`` with ``table`` as ``batch``; the rows (none for a statement)."""
    with with_batch(con, table):
        cur = con.execute(load_sql(name), params or {})
        try:
            return cur.fetchall()
        except duckdb.InvalidInputException:  # statements that return nothing
            return []


def query_arrow(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table | None = None,
                params: dict | None = None) -> pa.Table:
    """Like ``query`` but the result as an Arrow table (no Python objects per row)."""
    with with_batch(con, table):
        return con.execute(load_sql(name), params or {}).fetch_arrow_table()


def insert_arrow(con: duckdb.DuckDBPyConnection, query_name: str, table: pa.Table, params=None) -> None:
    """Bulk-load an Arrow table through a named SQL file that reads ``batch``."""
    with with_batch(con, table):
        con.execute(load_sql(query_name), params or [])


def id_table(name: str, values, type_=pa.string()) -> pa.Table:
    """A one-column batch of ids, e.g. raw_ids to look up."""
    return pa.table({name: pa.array(values, type_)})
