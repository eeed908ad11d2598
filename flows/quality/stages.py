"""The per-stage entry points: build the stage's frame, run its suite."""
from __future__ import annotations

from collections.abc import Sequence

from flows.quality.frames import clean_frame, dedup_frame, raw_frame, stories_frame
from flows.quality.model import CheckResult, StageOutcome
from flows.quality.runlevel import table_exists
from flows.quality.runner import run_suite
from flows.quality.suites import CLEAN, DEDUP, RAW, READABLE, STORIES
from flows.records import Article, RawDocument
from flows.settings import Settings


def check_raw(docs: Sequence[RawDocument], settings: Settings, batch: int | None = None) -> StageOutcome:
    """Raw suite on a batch of documents as read (before cleaning).

    A document that could not be read whole (``error`` set) fails ``readable`` and is quarantined
    at ingest whatever else it would fail, so it is counted into that check here instead of being
    framed and validated row by row: a JSON lines file of a million bad lines gives a million of
    them, and the frame and GX cost more than everything else done with them."""
    unread = [d for d in docs if d.error]
    if not unread:
        return run_suite(RAW, raw_frame(docs), settings, batch)
    outcome = run_suite(RAW, raw_frame([d for d in docs if not d.error]), settings, batch, settled=len(unread))
    for doc in unread:
        outcome.rejected[doc.raw_id] = (READABLE, doc.error)
    for i, result in enumerate(outcome.results):
        if result.check_name == READABLE:  # it saw only the documents that were read: all pass it
            outcome.results[i] = CheckResult(
                result.stage, READABLE, result.severity, False,
                f"{len(unread)} of {len(docs)} rows, e.g. {unread[0].error}"[:500], len(unread), len(docs), batch)
    return outcome


def check_clean(articles: Sequence[Article], settings: Settings, batch: int | None = None) -> StageOutcome:
    """Clean suite on a batch of cleaned articles (before they are stored)."""
    return run_suite(CLEAN, clean_frame(articles), settings, batch)


def check_dedup(con, run_id: str, settings: Settings) -> StageOutcome:
    """Dedup suites on the database after the dedup stage.

    Checks the whole ``duplicates`` table (and ``stories`` once it exists):
    the invariants hold across runs, not per run. Nothing is quarantined
    (the articles are stored by then): a failed error check fails the run.
    """
    outcome = StageOutcome(stage="dedup")
    if not table_exists(con, "duplicates"):
        return outcome
    parts = [run_suite(DEDUP, dedup_frame(con), settings)]
    if table_exists(con, "stories"):
        parts.append(run_suite(STORIES, stories_frame(con), settings))
    for part in parts:
        outcome.results.extend(part.results)
        for key, names in part.warnings.items():
            outcome.warnings.setdefault(key, []).extend(names)
    return outcome
