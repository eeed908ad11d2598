"""What the tasks that are more than one call do (tasks.py wraps each as a Prefect task).

A function here that takes a connection first runs inside the task's write
transaction; the others open what they need.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator

import duckdb

from ..records import Article, RawDocument, Rejection
from ..settings import Settings
from ..storage import transaction
from ..storage.raw import DEDUP_REBUILD, fetched_sources, pending_done, replace_batch_outcomes, stored_articles
from ..storage.sqlfiles import execute_script
from ..storage.writes import store_batch, store_check_results


def fetch(urls: list[str], settings: Settings, stats: Counter, state=None) -> Iterator[RawDocument]:
    """Fetch pages, feeds and sitemaps (I/O overlapped inside), streamed: each page goes on to
    its batch as it arrives, so a feed of many large pages never sits in memory whole.
    Failures come back as documents with an error. URLs fetched by earlier runs (the ledger)
    are skipped unless --refetch; ``state`` (a FetchState) gets the stored validators, for
    conditional GET."""
    from ..sources import iter_fetched_documents
    from ..sources.fetch_state import load_validators

    known = set() if settings.refetch else fetched_sources(settings)
    if state is not None:
        state.known.update(load_validators(settings))
    yield from iter_fetched_documents(urls, settings, seen=known.__contains__, stats=stats, state=state)


def batch_threads(settings: Settings) -> int:
    """DuckDB threads for a batch's transaction: the cores the cleaning workers leave free.

    A batch is stored while the workers clean the next one on the other cores; DuckDB's
    default pool (a thread per core) only fights them for the same cores. On 2 cores with 2
    workers, one thread did the same statements and commit with 8 CPU-s less over a
    20,000-document run (bench/dedup_speed.py --whole-run). Workers on a Dask cluster use
    none of these cores."""
    if settings.dask_address:
        return os.cpu_count() or 1
    return max(1, (os.cpu_count() or 1) - settings.workers)


def in_memory_limit(settings: Settings, limit: str, variable: str, what: str, fn, *args, **kwargs):
    """``fn(con, settings, *args, **kwargs)`` in one write transaction under DuckDB's memory limit
    ``limit`` (its own setting, ``variable``); if DuckDB cannot do it within that (out of memory, or no
    room to spill to its temporary folder), the transaction is rolled back and ``fn`` runs again
    without the limit, with a warning: a limit set too small costs time, never the work.
    NEWSFLOW_MEMORY_LIMIT, when set, rules instead (every connection has it, no retry)."""
    limit = "" if settings.memory_limit else limit
    if limit:
        try:
            with transaction(settings, migrate=False) as con:
                con.execute("SET memory_limit = ?", [limit])
                return fn(con, settings, *args, **kwargs)
        except (duckdb.OutOfMemoryException, duckdb.IOException) as exc:  # IO: no room to spill to
            _logger().warning("%s did not fit in %s (%s): done again without that limit (%s)",
                              what, limit, variable, str(exc).splitlines()[0])
    with transaction(settings, migrate=False) as con:
        return fn(con, settings, *args, **kwargs)


_UNITS = {"b": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}  # as DuckDB reads a memory limit


def memory_bytes(limit: str) -> int | None:
    """``128MB``, ``1.5GiB``... in bytes, as DuckDB's ``memory_limit`` reads them (None: not such a size)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", limit or "")
    unit = _UNITS.get(m.group(2).lower()) if m else None
    return int(float(m.group(1)) * unit) if unit else None


def batch_memory_limit(settings: Settings, docs: list[RawDocument], articles: list[Article]) -> str:
    """``settings.batch_memory`` plus twice what the batch writes (its raw bytes and cleaned
    texts, as stored): DuckDB holds a transaction's appended rows in its pool until the commit, so a batch
    of large documents (200 of 270 KB, 54 MB) did not fit in 128 MB and was done twice. Empty: no limit."""
    base = memory_bytes(settings.batch_memory)
    if base is None:  # empty (no limit), or not a size we read: DuckDB's own message says what is wrong
        return settings.batch_memory
    written = sum(len(d.stored_content()[0] or b"") for d in docs) + sum(len(a.text) for a in articles)
    return f"{base + 2 * written}B"


def store_and_dedup_in_memory(settings: Settings, run_id: str, docs: list[RawDocument], articles: list[Article],
                              rejections: list[Rejection], results: list, batch: int, **options) -> dict:
    """``store_and_dedup`` in its own transaction under ``batch_memory_limit``.

    DuckDB keeps the blocks a transaction reads (the dedup index's bands and anchors, the
    stories' tables) in its buffer pool until the connection closes, up to 80% of RAM by
    default: in a 20,000-document run the flow's process held 150-200 MB of them at each
    batch's commit, its peak. Under a limit DuckDB drops cached blocks it can read again
    instead (bench/dedup_speed.py --whole-run: the tree's peak 32-57 MB lower, in the same
    time). A batch whose work needs more is done again without it."""
    return in_memory_limit(settings, batch_memory_limit(settings, docs, articles), "NEWSFLOW_BATCH_MEMORY", f"batch {batch}",
                           store_and_dedup, run_id, docs, articles, rejections, results, batch, **options)


def store_and_dedup(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, docs: list[RawDocument],
                    articles: list[Article], rejections: list[Rejection], results: list, batch: int,
                    dedup: bool = True, signatures=None, replace: bool = False) -> dict:
    """A batch's rows, then dedup against the stored corpus, in the caller's transaction.

    ``replace`` (reprocess): the batch's earlier articles and quarantine rows go first, in the
    same transaction, so a kill never leaves a raw row with neither. Otherwise documents
    another run committed since this one read them (concurrent runs on a shared lake) are
    left out here, under the writer lock, and listed in the report's
    ``stored_by_other_runs``: the tables end as one run's would."""
    from ..dedup import dedup_batch
    from ..storage.raw import known_raw_ids

    con.execute("SET threads = ?", [batch_threads(settings)])
    taken: set = set()
    if replace:
        replace_batch_outcomes(con, [d.raw_id for d in docs])
    elif docs and dedup:
        taken = known_raw_ids(con, [d.raw_id for d in docs])
    if taken:
        docs = [d for d in docs if d.raw_id not in taken]
        articles = [a for a in articles if a.raw_id not in taken]
        rejections = [r for r in rejections if r.raw_id not in taken]
    store_batch(con, run_id, docs, articles, rejections, results, batch)
    report = dedup_batch(con, articles, run_id, settings, signatures) if articles and dedup else None
    out = report.as_dict() if report is not None else {}
    if taken:
        out["stored_by_other_runs"] = sorted(taken)
    return out


def check_dedup_and_run(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> list:
    """Dedup invariants and run-level reconciliation, stored with the run."""
    from ..quality import check_dedup, check_run

    results = list(check_dedup(con, run_id, settings).results) + list(check_run(con, run_id, settings))
    if results:
        store_check_results(con, run_id, results, None)
    return results


def search_index(settings: Settings) -> int:
    """Bring the BM25 index up to date after a load, in one write transaction: articles replaced
    since they were indexed go out, the articles not indexed yet go in (flows/search.py).

    Under ``settings.search_index_memory`` (a first build is the run's largest single step in
    memory); if DuckDB cannot do it within that, the transaction is rolled back and the update is
    done again without the limit (also when it could not spill to its temporary folder), so a
    limit set too small costs time, never the index."""
    from ..search import update_index

    return in_memory_limit(settings, settings.search_index_memory, "NEWSFLOW_SEARCH_INDEX_MEMORY",
                           "the search index update", lambda con, _settings: update_index(con))


def _logger():
    """The task's logger inside a flow (the Prefect UI and the terminal), else this module's."""
    from prefect import get_run_logger
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        import logging

        return logging.getLogger(__name__)


def data_docs(settings: Settings) -> str | None:
    from ..quality import build_data_docs

    path = build_data_docs(settings)
    return str(path) if path else None


def rebuild_dedup(settings: Settings, run_id: str, reset: bool = False) -> Counter:
    """Dedup every stored article again, in ingestion order, a batch per transaction; then clear
    the pending_work note (``reset``: empty the dedup tables first, to redo a rebuild a killed
    run left half done)."""
    from ..dedup import dedup_batch

    totals: Counter = Counter()
    offset = 0
    if reset:
        with transaction(settings, migrate=False) as con:
            execute_script(con, "queries/dedup/reset")
    while True:
        with transaction(settings, migrate=False) as con:
            articles = stored_articles(con, settings.batch_size, offset)
            if not articles:
                break
            report = dedup_batch(con, articles, run_id, settings)
        offset += len(articles)
        add_numbers(totals, report.as_dict())
    with transaction(settings, migrate=False) as con:
        execute_script(con, "queries/dedup/prior_order_done")
        pending_done(con, DEDUP_REBUILD)
    return totals


def add_numbers(totals: Counter, values: dict | None, prefix: str = "") -> None:
    """Add the numeric entries of a report to running totals."""
    for key, value in (values or {}).items():
        if isinstance(value, (int, float)):
            totals[f"{prefix}{key}"] += value
