"""Batches through the stages: skip what is stored, check, clean, check, store and dedup.

One task per stage per batch (never per article): a task run costs
milliseconds, the per-article work is plain Python inside the tasks, in
worker processes where it is CPU-bound. Each batch is committed in one short
transaction, so people can query between batches and a killed run loses at
most the batch in flight. Cleaning of batch k+1 overlaps the checks, store
and dedup of batch k.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import islice
from typing import Iterable, Iterator

from prefect import get_run_logger
from prefect.utilities.annotations import quote

from ..memory import release_free_memory
from ..records import Article, RawDocument, Rejection
from ..settings import Settings
from ..sources import error_reason
from ..storage.raw import stored_raw_ids
from .run import RunSummary
from .stages import add_numbers
from .tasks import check_clean_task, check_raw_task, execution_for, store_and_dedup_task


def batched(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def batched_documents(docs: Iterable[RawDocument], size: int, max_bytes: int,
                      unread_size: int = 0) -> Iterator[list[RawDocument]]:
    """Batches of at most ``size`` documents to clean and about ``max_bytes`` of content (HTML
    pages are large: a count alone would let memory grow with page size). Documents that could
    not be read (``error`` set: quarantined at ingest, never cleaned) fill a batch up to
    ``unread_size`` documents in all: a batch's fixed cost (its tasks, checks and commit, about
    half a second) made a JSON lines file of a million bad lines take most of an hour."""
    batch: list[RawDocument] = []
    held = cleanable = 0
    most = max(size, unread_size)
    for doc in docs:
        batch.append(doc)
        held += len(doc.content)
        if not doc.error:
            cleanable += 1
        if cleanable >= size or len(batch) >= most or held >= max_bytes:
            yield batch
            batch, held, cleanable = [], 0, 0
    if batch:
        yield batch


@dataclass
class PreparedBatch:
    """A batch after the raw stage: what is new, what was rejected, what goes to cleaning."""

    batch_no: int
    read: int
    new: list[RawDocument]
    to_clean: list[RawDocument]
    rejections: list[Rejection]
    results: list
    started: float = field(default_factory=time.monotonic)


def prepare_batch(
    docs: list[RawDocument], batch_no: int, settings: Settings, summary: RunSummary, progress=None,
    reprocess: bool = False, before_checks=None,
) -> PreparedBatch:
    """Skip what is stored (or was seen earlier in this run), then run the raw checks.

    With ``reprocess`` the documents come from the raw layer itself: nothing is skipped.
    ``before_checks(new)`` is called with the new documents before their checks run."""
    counts = summary.counts
    counts["read"] += len(docs)
    unique: dict[str, RawDocument] = {}
    pending = summary.seen_raw  # the batch before this one, not committed yet: the database cannot say
    for d in docs:
        if d.raw_id not in pending:
            unique.setdefault(d.raw_id, d)
    known = set() if reprocess else stored_raw_ids(settings, list(unique))
    new = [d for rid, d in unique.items() if rid not in known]
    summary.seen_raw = {d.raw_id for d in new}
    counts["already_stored"] += len(docs) - len(new)
    if progress and len(docs) > len(new):
        progress(len(docs) - len(new))
    prepared = PreparedBatch(batch_no, len(docs), new, [], [], [])
    if not new:
        return prepared
    counts["new"] += len(new)
    if before_checks:
        before_checks(new)
    with summary.clock("check_raw"):
        raw_outcome = check_raw_task(quote(new), settings, batch_no)
    summary.record(raw_outcome.results)
    prepared.results.extend(raw_outcome.results)
    rejections, rejected, to_clean = prepared.rejections, raw_outcome.rejected, prepared.to_clean
    for d in new:
        if d.error:  # the source could not be read whole: say so in the source's own words
            rejections.append(Rejection(d.raw_id, d.source, "ingest", error_reason(d.error), d.error))
        elif d.raw_id in rejected:
            check, observed = rejected[d.raw_id]
            rejections.append(Rejection(d.raw_id, d.source, "raw", check, observed))
        else:
            to_clean.append(d)
    if progress and rejections:
        progress(len(rejections))
    return prepared


def _validate(articles: list[Article], prepared: PreparedBatch, settings: Settings,
              summary: RunSummary) -> list[Article]:
    """The clean-stage checks: rejected articles go to quarantine, warnings stay on the article."""
    with summary.clock("check_clean"):
        outcome = check_clean_task(quote(articles), settings, prepared.batch_no) if articles else None
    if outcome is None:
        return articles
    summary.record(outcome.results)
    prepared.results.extend(outcome.results)
    kept = []
    for a in articles:
        if a.raw_id in outcome.rejected:
            check, observed = outcome.rejected[a.raw_id]
            prepared.rejections.append(Rejection(a.raw_id, a.source, "validate", check, observed))
            continue
        a.warnings = sorted(set(a.warnings) | set(outcome.warnings.get(a.raw_id, [])))
        kept.append(a)
    return kept


def finish_batch(
    prepared: PreparedBatch, cleaned: list[Article | Rejection], settings: Settings, run_id: str,
    summary: RunSummary, reprocess: bool = False, fingerprints: dict | None = None,
) -> None:
    """Check the cleaned articles, then store everything and dedup in one transaction.
    ``fingerprints``: dedup signatures the cleaning workers computed (Cleaner.take_fingerprints)."""
    if not prepared.new:
        get_run_logger().info("batch %d: %d documents, all stored already, %.1f s", prepared.batch_no, prepared.read,
                              time.monotonic() - prepared.started)
        return
    counts, clock, rejections = summary.counts, summary.clock, prepared.rejections
    articles = [c for c in cleaned if isinstance(c, Article)]
    rejections.extend(c for c in cleaned if isinstance(c, Rejection))
    counts["cleaned"] += len(articles)
    articles = _validate(articles, prepared, settings, summary)

    signatures = execution_for(settings).signatures(articles, settings, clock, fingerprints) \
        if articles and not reprocess else None

    with clock("store_and_dedup"):
        report = store_and_dedup_task(settings, run_id, quote(prepared.new), quote(articles), quote(rejections),
                                      quote(prepared.results), prepared.batch_no, dedup=not reprocess,
                                      signatures=quote(signatures), replace=reprocess)
    taken = set((report or {}).pop("stored_by_other_runs", ()))
    if taken:  # another run committed these meanwhile (a shared lake): not ours to count
        articles = [a for a in articles if a.raw_id not in taken]
        rejections = [r for r in rejections if r.raw_id not in taken]
        counts["new"] -= len(taken)
        counts["already_stored"] += len(taken)
    counts["articles"] += len(articles)
    counts["quarantined"] += len(rejections)
    summary.rejected_by_reason.update(f"{r.stage}: {r.reason}" for r in rejections)
    add_numbers(counts, report, prefix="dedup_")
    release_free_memory()  # what the batch freed goes back to the system, not to the next batch's peak
    report = report or {}
    get_run_logger().info(  # the run's progress in the Prefect UI (the terminal shows warnings only)
        "batch %d: %d documents (%d new), %d articles, %d quarantined, %d duplicates (%d exact, %d near), %.1f s",
        prepared.batch_no, prepared.read, len(prepared.new), len(articles), len(rejections),
        report.get("exact", 0) + report.get("near", 0), report.get("exact", 0), report.get("near", 0),
        time.monotonic() - prepared.started,
    )


def process_batches(
    batches: Iterable[list[RawDocument]], settings: Settings, run_id: str, cleaner,
    summary: RunSummary, progress=None, reprocess: bool = False,
) -> None:
    """Run the batches through the stages, cleaning batch k+1 in the worker processes
    while batch k is checked, stored and deduplicated here (a two-stage pipeline)."""
    execution = execution_for(settings)
    pending: tuple[PreparedBatch, object] | None = None  # a batch whose cleaning is under way

    def start_cleaning(prepared: PreparedBatch):
        if not prepared.to_clean:
            return []
        return execution.start_cleaning(prepared.to_clean, settings, cleaner, progress)

    def wait(future) -> tuple[list, dict]:
        """A batch's cleaning results, and the fingerprints its workers computed."""
        if not isinstance(future, list):
            with summary.clock("clean_wait"):
                future = future.result()
        return future, cleaner.take_fingerprints(future)

    for batch_no, docs in enumerate(batches):
        prepared = prepare_batch(docs, batch_no, settings, summary, progress, reprocess,
                                 before_checks=lambda new: execution.prepare_cleaning(new, cleaner))
        cleaned_before, prints = wait(pending[1]) if pending else (None, None)
        future = start_cleaning(prepared)
        if pending:
            finish_batch(pending[0], cleaned_before, settings, run_id, summary, reprocess, prints)
        pending = (prepared, future)
    if pending:
        cleaned_before, prints = wait(pending[1])
        # nothing is left to clean: the workers (and their forkserver) are let go before the last batch is
        # stored, so their memory is not held beside its commit, the run's checks and the search index
        cleaner.close()
        finish_batch(pending[0], cleaned_before, settings, run_id, summary, reprocess, prints)
