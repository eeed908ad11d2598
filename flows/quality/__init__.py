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

from ..lazy import lazy_names

_WHERE = {
    "ERROR": "model", "WARNING": "model", "CheckResult": "model", "StageOutcome": "model",
    "build_data_docs": "docs", "check_clean": "stages", "check_dedup": "stages", "check_raw": "stages",
    "check_run": "runlevel", "warm_up": "runner",
}

__all__ = sorted(_WHERE)


# ``check_run`` (SQL only) must not import pandas.
__getattr__ = lazy_names(__name__, _WHERE, globals())
