"""Data-quality checks with Great Expectations, per stage and per run.

The pipeline calls:

    check_raw(docs, settings, batch)      -> StageOutcome   (RawDocument batch)
    check_clean(articles, settings, batch) -> StageOutcome  (Article batch)
    check_dedup(con, run_id, settings)    -> StageOutcome   (DB, after dedup)
    check_run(con, run_id, settings)      -> list[CheckResult]  (DB, run end)
    build_data_docs(settings)             -> Path | None    (once, at the end)
    warm_up(settings)                     -> None  (optional: import GX and build suites early)
    start_warm_up(settings)               -> None  (the same in a background thread, once)

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

_warm_up_thread = None


def start_warm_up(settings) -> None:
    """``warm_up`` in a background thread, once per process. The command starts it when it
    begins to wait for the temporary API, so GX (and pandas) are imported while this process
    would be idle and the flow does not wait for them: the first check waits only for what is
    left (the runner's lock). Imports nothing here: the thread does."""
    global _warm_up_thread
    import sys
    import threading

    if _warm_up_thread is None:
        def run() -> None:
            from ..startup import collector_paused
            from .runner import warm_up

            interval = sys.getswitchinterval()
            # the flow's thread, back from each request to the API, gets the interpreter within
            # 0.5 ms instead of 5 while this thread imports: its many short steps are not slowed
            sys.setswitchinterval(min(interval, 0.0005))
            try:
                with collector_paused():  # GX's imports keep what they create: see startup.py
                    warm_up(settings)
            finally:
                sys.setswitchinterval(interval)

        _warm_up_thread = threading.Thread(target=run, name="gx-warm-up", daemon=True)
        _warm_up_thread.start()
