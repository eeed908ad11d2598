"""The per-stage entry points: build the stage's frame, run its suite."""
from __future__ import annotations

from collections.abc import Sequence

from flows.quality.frames import clean_frame, dedup_frame, raw_frame, stories_frame
from flows.quality.model import StageOutcome
from flows.quality.runlevel import table_exists
from flows.quality.runner import run_suite
from flows.quality.suites import CLEAN, DEDUP, RAW, STORIES
from flows.records import Article, RawDocument
from flows.settings import Settings


def check_raw(docs: Sequence[RawDocument], settings: Settings, batch: int | None = None) -> StageOutcome:
    """Raw suite on a batch of documents as read (before cleaning)."""
    return run_suite(RAW, raw_frame(docs), settings, batch)


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
