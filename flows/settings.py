"""Every knob in one place.

Defaults suit a laptop and the 2-core CI machine; each can be overridden by an
environment variable ``NEWSFLOW_<NAME>`` (upper case) or by the CLI / a
deployment's parameters. ``Settings.from_env`` is the one place they are read:
the CLI and the flows build a ``Settings`` once and pass it down.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
SQL_DIR = PACKAGE_DIR / "sql" if (PACKAGE_DIR / "sql").is_dir() else PROJECT_DIR / "sql"
SAMPLES_DIR = PACKAGE_DIR / "samples"
DEFAULT_DB_PATH = "data/news.duckdb"
DB_ENV = "NEWSFLOW_DB"  # the documented variable (CONTRACT.md)
DB_ENV_ALIASES = ("NEWSFLOW_DB_PATH",)  # deprecated, still read


class SettingsError(ValueError):
    """A ``NEWSFLOW_*`` variable (or an option) holds a value the setting cannot take."""


AT_LEAST_ONE = ("batch_size", "workers", "batch_bytes", "fetch_per_host", "fetch_concurrency")
OPTIONS = {"batch_size": "--batch-size", "workers": "--workers"}  # the settings `newsflow run` takes as options


@dataclass(frozen=True)
class Settings:
    db_path: str = DEFAULT_DB_PATH
    # Inputs
    max_document_bytes: int = 8 * 1024 * 1024  # a single document larger than this is quarantined
    max_file_bytes: int = 2 * 1024 * 1024 * 1024  # a compressed container (WARC, JSONL) larger than this is refused
    max_json_bytes: int = 128 * 1024 * 1024  # a .json file (parsed whole), inflated, larger than this is quarantined
    # Cleaning
    extract_timeout_s: float = 30.0  # per-document limit for HTML extraction
    workers: int = max(1, min(4, os.cpu_count() or 1))
    batch_size: int = 2000  # documents per batch (one transaction per batch)
    batch_bytes: int = 64 * 1024 * 1024  # ...or fewer, once their content reaches this size
    unread_batch_size: int = 100_000  # ...but up to this many with the unreadable ones (quarantined at ingest)
    min_words: int = 20
    max_words: int = 50_000
    languages: tuple[str, ...] = ()  # empty: keep every language
    # Fetching
    allow_private: bool = False  # loopback and private networks (not link-local: see allow_link_local)
    allow_link_local: bool = False  # link-local and cloud metadata addresses (169.254.169.254...)
    refetch: bool = False
    fetch_timeout_s: float = 20.0
    fetch_max_bytes: int = 8 * 1024 * 1024
    fetch_max_redirects: int = 5
    fetch_per_host: int = 4
    fetch_concurrency: int = 32
    user_agent: str = "newsflow/0.1 (+https://github.com/newsflow/newsflow; news ingestion pipeline)"
    ignore_robots: bool = False  # --ignore-robots: for one's own sites only
    robots_max_crawl_delay_s: float = 60.0  # a longer Crawl-delay is shortened to this
    robots_max_host_wait_s: float = 900.0  # a URL whose host's next Crawl-delay slot is further away waits for the next run
    since: str = ""  # --since DATE: sitemap entries dated before it are not fetched
    sitemap_max_bytes: int = 50 * 1024 * 1024  # one sitemap, decompressed (the protocol's limit)
    # Dedup
    near_threshold: float = 0.8  # containment-aware similarity to call a pair a near copy
    shingle_size: int = 5
    num_perm: int = 128
    # Scale-out: a Dask scheduler address (tcp://host:8786) runs cleaning and signatures on its workers
    dask_address: str = ""
    # Storage: "duckdb" (one file, db_path) or "ducklake" (Parquet files plus a catalog; see flows/storage/lake.py)
    storage: str = "duckdb"
    lake_catalog: str = ""  # sqlite:/abs/meta.sqlite | postgres:dbname=... | a path (DuckDB-file catalog); default sqlite:<db_path stem>.lake.sqlite
    lake_data_path: str = ""  # default <db_path stem>.lake/
    # Search: keep the BM25 index up to date after each run (NEWSFLOW_SEARCH_INDEX=0 leaves it to later runs)
    search_index: bool = True
    # DuckDB's memory limit while the index is brought up to date (NEWSFLOW_SEARCH_INDEX_MEMORY; empty:
    # no limit of its own). A first build of 20,000 articles peaked at 710 MB of this process without
    # one, 490 MB at 256MB (DuckDB spills to its temporary folder), 1-2 s slower. Should the limit be
    # too small for DuckDB, the build is done again without it; NEWSFLOW_MEMORY_LIMIT, when set, rules.
    search_index_memory: str = "256MB"
    # DuckDB's memory limit in a batch's transaction, plus twice the bytes the batch writes
    # (NEWSFLOW_BATCH_MEMORY; empty: none of its own): DuckDB otherwise keeps every block the
    # batch's dedup reads until the commit (150-200 MB at 20,000 articles, at the run's peak).
    # A batch that needs more is done again without it; NEWSFLOW_MEMORY_LIMIT, when set, rules.
    batch_memory: str = "128MB"
    # DuckDB's memory limit for this process (e.g. "2GB"; empty: DuckDB's default, 80% of RAM).
    # Applied by storage.connect to every connection (NEWSFLOW_MEMORY_LIMIT).
    memory_limit: str = ""
    # How long a run waits for the file while another process holds it (a query, a notebook), per
    # open; it says so on stderr after a second (NEWSFLOW_DB_WAIT_S)
    db_wait_s: float = 300.0
    # Output
    quality_dir: str = ""  # default: <db dir>/quality

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults, then ``NEWSFLOW_<NAME>`` variables, then ``overrides`` that are not None."""
        values = {}
        for f in fields(cls):
            if f.name == "db_path":
                env = next((os.environ[k] for k in (DB_ENV, *DB_ENV_ALIASES) if os.environ.get(k)), None)
            else:
                env = os.environ.get(f"NEWSFLOW_{f.name.upper()}")
            if env is None:
                continue
            values[f.name] = _parse_variable(f.name, env, f.default)
        values.update({k: v for k, v in overrides.items() if v is not None})
        _refuse_below_one(values)
        return cls(**values)

    def with_(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def quality_path(self) -> Path:
        return Path(self.quality_dir) if self.quality_dir else Path(self.db_path).resolve().parent / "quality"


def _variable(name: str) -> str:
    return DB_ENV if name == "db_path" else f"NEWSFLOW_{name.upper()}"


def _parse_variable(name: str, raw: str, default):
    """A variable's value as its setting's type; a value that is not one says which variable
    and what it takes (it was a ValueError traceback from deep inside the start-up)."""
    try:
        return _parse(raw, default)
    except ValueError:
        kind = "a whole number" if isinstance(default, int) else "a number"
        raise SettingsError(f"{_variable(name)}={raw!r} is not {kind} (default {default}): "
                            f"set it to one, or unset it") from None


def _refuse_below_one(values: dict) -> None:
    """Counts that must be at least 1 (0 batches everything one document at a time, or
    cleans with no worker)."""
    for name in AT_LEAST_ONE:
        if name in values and values[name] < 1:
            given = " or ".join(filter(None, (OPTIONS.get(name), _variable(name))))
            raise SettingsError(f"{name} must be at least 1, not {values[name]} ({given})")


def _parse(raw: str, default):
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, tuple):
        return tuple(x.strip() for x in raw.split(",") if x.strip())
    return raw
