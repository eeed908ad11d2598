"""BM25 full-text search over article titles and texts (DuckDB's fts extension).

The extension is loaded from the installed ``duckdb-extension-fts`` package
file, never downloaded. Its index does not follow table changes, so the
pipeline rebuilds it after each run that stored articles.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from .db import load_sql


def extension_path(name: str) -> Path:
    """The extension file shipped by the ``duckdb-extension-<name>`` package."""
    import importlib

    module = importlib.import_module(f"duckdb_extension_{name}")
    version = duckdb.__version__
    path = Path(module.__file__).parent / "extensions" / f"v{version}" / f"{name}.duckdb_extension"
    if not path.exists():
        raise RuntimeError(
            f"{path} is missing: install duckdb-extension-{name}=={version} (make setup does)"
        )
    return path


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"LOAD '{extension_path('fts')}'")  # a path from our own package, not user input


def rebuild_index(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the index over articles(title, text); Porter stemming, English stop words."""
    load_fts(con)
    con.execute(load_sql("queries/fts_rebuild"))


def index_exists(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_articles'"
    ).fetchone()[0])


def search(con: duckdb.DuckDBPyConnection, words: str, limit: int = 20) -> duckdb.DuckDBPyRelation:
    load_fts(con)
    return con.sql(load_sql("queries/search_articles"), params={"query": words, "limit": limit})
