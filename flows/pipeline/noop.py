"""A run with nothing new: recorded and summarised without Prefect or its temporary API.

Reading local sources and computing their raw ids takes milliseconds for the
seeds; importing Prefect and starting its temporary API takes seconds. So
``newsflow run`` first reads its local sources here and asks the database which
raw ids it holds. When every one is stored, the run is recorded as the flow
would record it (a ``runs`` row, the run-level checks in ``dq_results``, the same
summary) and nothing else starts. The first new document ends the scan: the
flow then runs as usual (reading its sources itself). The dedup suites and Data
Docs are not run again: the tables they describe did not change.
"""
from __future__ import annotations

import time
import uuid
from collections import Counter
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from ..settings import Settings
from ..storage import connect, shared_writers, transaction, writer_lock
from ..storage.raw import known_raw_ids, pending_work
from ..storage.runs import start_run
from ..storage.writes import store_check_results
from .run import RunSummary, _finish

if TYPE_CHECKING:
    from ..sources import SourceSpecs

FIRST_CHUNK = 64  # documents read before the first look-up


def _all_stored(settings: Settings, local: list, counts: Counter) -> bool:
    """Read every local document, in chunks; False at the first one not stored. The chunks
    start small and double up to a batch, so a run with work finds out after a few documents
    (the flow then reads its sources itself) and a run with nothing new asks a few times more."""
    from ..sources import iter_local_documents

    stats: Counter = Counter()
    docs = iter_local_documents(local, settings, stats=stats)
    con = connect(settings, read_only=True)
    size = FIRST_CHUNK
    try:
        # up to a batch; a batch of documents that could not be read is larger (batched_documents),
        # and a file of a million bad lines asked 500 times, each look-up a scan of raw_articles
        most = max(settings.batch_size, settings.unread_batch_size)
        while chunk := list(islice(docs, min(size, most))):
            size *= 2
            ids = list({d.raw_id for d in chunk})
            if len(known_raw_ids(con, ids)) < len(ids):
                return False
            counts["read"] += len(chunk)
    finally:
        con.close()
    for key, value in stats.items():
        counts[f"source_{key}"] += value
    counts["already_stored"] = counts["read"]
    return True


def _index_is_behind(con) -> bool:
    """Whether articles are missing from the search index: a run killed after committing its
    batches but before its search-index step left them (a count)."""
    from ..search import index_size

    indexed, total = index_size(con)
    return indexed != total


def run_if_nothing_new(settings: Settings, sources: list[str], wait_for_lock: bool = False,
                       specs: SourceSpecs | None = None) -> RunSummary | None:
    """Record a run whose local sources are all stored; None when there is work (or URLs to fetch).
    ``specs``: the sources as ``resolve_sources`` gave them to the caller (else resolved here)."""
    from ..quality import check_run
    from ..sources import resolve_sources

    if specs is None:
        specs = resolve_sources(sources, settings)
    if specs.urls or not Path(settings.db_path).exists():
        return None
    started = time.monotonic()
    summary = RunSummary(run_id=str(uuid.uuid4()), db_path=str(Path(settings.db_path).resolve()), kind="ingest",
                         storage=settings.storage)
    counts: Counter = Counter()
    with writer_lock(settings, wait=wait_for_lock):
        with transaction(settings, migrate=True) as con:
            if pending_work(con):  # a killed run left work (a dedup rebuild): the flow finishes it
                return None
        with summary.clock("read_sources_and_batches"):
            if not _all_stored(settings, specs.local, counts):
                return None
        summary.counts.update(counts)
        if specs.skipped:
            summary.counts["source_skipped_unknown_type"] += len(specs.skipped)
        with transaction(settings, migrate=False) as con:
            start_run(con, summary.run_id, "ingest", sources, None, shared=shared_writers(settings))
        with summary.clock("run_checks"), transaction(settings, migrate=False) as con:
            results = check_run(con, summary.run_id, settings)
            if results:
                store_check_results(con, summary.run_id, results, None)
            behind = settings.search_index and _index_is_behind(con)
        if behind:  # the index catches up as a run's step does: under its memory limit (stages.search_index)
            from .stages import search_index

            search_index(settings)
        summary.conclude(results)
        index = Path(settings.quality_path).resolve() / "index.html"
        summary.data_docs = str(index) if index.exists() else None
        summary.seconds = time.monotonic() - started
        _finish(settings, summary)
    return summary
