"""What the terminal shows of Prefect's run logs: their lines, without the tracebacks.

When a task fails, Prefect logs the error with its traceback twice (the task run, then the
flow run): about 70 lines on the terminal above newsflow's own message, which says what
happened and what to do. The tracebacks are still sent whole to the Prefect API (the run's
logs in the UI: the API handler is another handler, and it sees the record unchanged); only
the console handler formats a copy of the record without it. ``NEWSFLOW_TRACEBACKS=1`` keeps
them on the terminal too.
"""
from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")
HINT = "  (traceback: in the run's logs in the Prefect UI; NEWSFLOW_TRACEBACKS=1 prints it here)"


class WithoutTraceback(logging.Formatter):
    """Formats as ``inner`` does; an error of a flow or task run loses its traceback on the way."""

    def __init__(self, inner: logging.Formatter | None):
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        if (record.exc_info or record.exc_text) and record.name.startswith(RUN_LOGGERS):
            record = logging.makeLogRecord(record.__dict__)  # a copy: other handlers keep the traceback
            record.exc_info = record.exc_text = record.stack_info = None
            return self.inner.format(record) + "\n" + HINT
        return self.inner.format(record)


def _console_handlers() -> list[logging.Handler]:
    """Prefect's console handler(s) on the root logger, where run loggers' records end up."""
    from prefect.logging.handlers import PrefectConsoleHandler

    return [h for h in logging.getLogger().handlers if isinstance(h, PrefectConsoleHandler)]


@contextlib.contextmanager
def tracebacks_folded() -> Iterator[None]:
    """While the block runs, run errors reach the terminal without their tracebacks."""
    if os.environ.get("NEWSFLOW_TRACEBACKS", "") not in ("", "0"):
        yield
        return
    handlers = [(h, h.formatter) for h in _console_handlers() if not isinstance(h.formatter, WithoutTraceback)]
    for h, formatter in handlers:
        h.setFormatter(WithoutTraceback(formatter))
    try:
        yield
    finally:
        for h, formatter in handlers:
            h.setFormatter(formatter)
