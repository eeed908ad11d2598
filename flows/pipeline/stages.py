"""What the tasks that are more than one call do (tasks.py wraps each as a Prefect task).

A function here that takes a connection first runs inside the task's write
transaction; the others open what they need.
"""
from __future__ import annotations

import os
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

    limit = "" if settings.memory_limit else settings.search_index_memory
    if limit:
        try:
            with transaction(settings, migrate=False) as con:
                con.execute("SET memory_limit = ?", [limit])
                return update_index(con)
        except (duckdb.OutOfMemoryException, duckdb.IOException) as exc:  # IO: no room to spill to
            _logger().warning(
                "the search index did not fit in %s (NEWSFLOW_SEARCH_INDEX_MEMORY): updating it without that limit (%s)",
                limit, str(exc).splitlines()[0])
    with transaction(settings, migrate=False) as con:
        return update_index(con)


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
