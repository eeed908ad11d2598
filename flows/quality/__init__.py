"""Data-quality checks with Great Expectations, per stage and per run.

The pipeline calls:

    check_raw(docs, settings, batch)      -> StageOutcome   (RawDocument batch)
    check_clean(articles, settings, batch) -> StageOutcome  (Article batch)
    check_dedup(con, run_id, settings)    -> StageOutcome   (DB, after dedup)
    check_run(con, run_id, settings)      -> list[CheckResult]  (DB, run end)
    build_data_docs(settings)             -> Path | None    (once, at the end)
    warm_up(settings)                     -> None  (optional: import GX and build suites early)

Importing this package does not import Great Expectations (3 s); the first
batch checked does.
"""
from __future__ import annotations

from flows.quality.docs import build_data_docs
from flows.quality.model import ERROR, WARNING, CheckResult, StageOutcome
from flows.quality.runlevel import check_run
from flows.quality.runner import warm_up
from flows.quality.stages import check_clean, check_dedup, check_raw

__all__ = [
    "ERROR",
    "WARNING",
    "CheckResult",
    "StageOutcome",
    "build_data_docs",
    "check_clean",
    "check_dedup",
    "check_raw",
    "check_run",
    "warm_up",
]
