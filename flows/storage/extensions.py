"""DuckDB extensions loaded from the installed ``duckdb-extension-*`` packages, never downloaded.

Its own module so that lake (ducklake, sqlite) and search (fts) both use it
without importing each other.
"""
from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

import duckdb

# Extensions whose package file is named after the package but whose entry point
# (and so the file name DuckDB expects) is the older ``<name>_scanner``.
_SCANNER_ALIASES = {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner"}


def extension_path(name: str) -> Path:
    """The extension file shipped by the ``duckdb-extension-<name>`` package."""
    module = importlib.import_module(f"duckdb_extension_{name}")
    version = duckdb.__version__
    path = Path(module.__file__).parent / "extensions" / f"v{version}" / f"{name}.duckdb_extension"
    if not path.exists():
        raise RuntimeError(
            f"{path} is missing: install duckdb-extension-{name}=={version} (make setup does)"
        )
    return path


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsflow" / "duckdb-extensions" / f"v{duckdb.__version__}"


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD an extension from its installed package file (never a download).

    sqlite and postgres must be loaded under their entry-point name
    (``sqlite_scanner``...): a copy under that name is kept in a cache folder."""
    path = extension_path(name)
    alias = _SCANNER_ALIASES.get(name)
    if alias:
        target = _cache_dir() / f"{alias}.duckdb_extension"
        if not target.exists() or target.stat().st_size != path.stat().st_size:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}")
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)  # atomic: a concurrent process sees the old file or the whole new one
        path = target
    con.execute(f"LOAD '{quote_literal(str(path))}'")  # a path from our own package, not user input


def quote_literal(text: str) -> str:
    """A string for a SQL literal where DuckDB takes no parameters (LOAD, ATTACH)."""
    return text.replace("'", "''")


def quote_identifier(name: str) -> str:
    """A name as a quoted SQL identifier where DuckDB takes no parameters (USE a database)."""
    return '"' + name.replace('"', '""') + '"'
