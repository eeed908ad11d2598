"""How long a ``newsflow`` command took to reach its flow, step by step.

A run's fixed cost (interpreter start, imports, the temporary Prefect API)
goes in its timings: ``process_start_to_flow`` and one ``startup_<step>`` per
step the command marked on the way (seconds since the process started, so
they show which step the flow waited for), and ``startup_cpu_main`` /
``startup_cpu_api``: the CPU seconds this process and the temporary API had
used when the API answered (on a quiet machine with two cores the flow waits
for the larger; on a busy one, wall times grow and these do not). Kept out of the heavier modules:
the command marks its first step before importing DuckDB or Prefect.
"""
from __future__ import annotations

import contextlib
import gc
import sys
import threading
import time

from .procstat import started_after_boot

MARKS: dict[str, float] = {}
CPU: dict[str, float] = {}  # CPU seconds used by then: this process ("main") and the temporary API ("api")


def seconds_since_process_start() -> float | None:
    """How long this process has existed (interpreter start-up, imports, the temporary API's
    start): a run's start-up cost, in its timings. Only for the newsflow command (a test or a
    worker process lives longer than its run); Linux only (/proc). None otherwise."""
    cli = sys.modules.get("flows.cli")
    if not getattr(cli, "IN_CONSOLE", False):
        return None
    started = started_after_boot()
    if started is None:
        return None
    try:
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started)
    except AttributeError:  # no CLOCK_BOOTTIME (not Linux)
        return None


def mark(step: str) -> None:
    """Note that ``step`` of the start-up ended now (nothing outside the newsflow command)."""
    if (at := seconds_since_process_start()) is not None:
        MARKS[step] = at


def timings() -> dict[str, float]:
    """The start-up figures for a run's timings (empty outside the newsflow command)."""
    at = seconds_since_process_start()
    if at is None:
        return {}
    return {"process_start_to_flow": at, **{f"startup_{k}": v for k, v in MARKS.items()},
            **{f"startup_cpu_{k}": v for k, v in CPU.items()}}


_paused = 0  # how many collector_paused blocks are open (the command's and the checks' warm-up thread)
_paused_lock = threading.Lock()


@contextlib.contextmanager
def collector_paused():
    """The garbage collector off while a run imports its libraries and builds its checks.

    Prefect, Great Expectations, pandas and DuckDB's Python side create about a million objects
    on import, all of them kept; the collector walked them again and again meanwhile (0.3-0.5 s of
    a run's start-up). Afterwards they are frozen, so the run's own collections skip them too.
    Blocks may overlap (the checks' warm-up thread outlives the command's start-up): the
    collector comes back when the last one ends."""
    global _paused
    with _paused_lock:
        _paused += 1
        if _paused == 1:
            gc.disable()
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            if _paused == 0:
                gc.enable()
                gc.freeze()
