"""SIGTERM and SIGINT end a run cleanly.

A scheduler stops a run with SIGTERM, a person with Ctrl-C (SIGINT). Python's
default for SIGTERM ends the process on the spot: the cleaning workers and the
temporary Prefect server were left running, the ``runs`` row stayed
``running``. Here the first signal raises :class:`RunInterrupted` (a
KeyboardInterrupt, so Prefect and every ``finally`` treat it like Ctrl-C) in
the main thread (inside a flow run, Prefect's own SIGTERM handler raises its
TerminationSignal first, then signals again): the flow rolls back the batch in flight, kills the workers,
stops fetching, marks its ``runs`` row ``cancelled`` and releases the run lock;
the command exits with 128 + the signal number after its exit handlers stopped
the temporary server. A second signal ends the process at once (the default).

This relies on the main thread reaching Python code between signals: the text
work on documents is linear (no regular expression backtracks for minutes),
and long waits (workers, fetch threads) wait in Python.
"""
from __future__ import annotations

import signal

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class RunInterrupted(KeyboardInterrupt):
    """The run was asked to stop by a signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


def _handler(signum, _frame) -> None:
    for s in SIGNALS:  # a second signal ends the process at once
        signal.signal(s, signal.SIG_DFL)
    raise RunInterrupted(signum)


def install() -> None:
    """Turn SIGTERM and SIGINT into RunInterrupted (call from the main thread)."""
    for s in SIGNALS:
        signal.signal(s, _handler)


def exit_code(exc: BaseException) -> int:
    """128 + the signal number, as shells report a process ended by a signal."""
    return 128 + getattr(exc, "signum", signal.SIGINT)


def interrupted_by(exc: BaseException) -> str | None:
    """The signal's name when ``exc`` means the run was asked to stop, else None.

    Inside a flow run Prefect catches SIGTERM itself (TerminationSignal), marks the
    flow run Crashed and sends the signal again, which then reaches our handler."""
    if isinstance(exc, RunInterrupted):
        return signal.Signals(exc.signum).name
    if isinstance(exc, KeyboardInterrupt):
        return "SIGINT"
    if type(exc).__name__ == "TerminationSignal":  # prefect.exceptions.TerminationSignal
        return signal.Signals(getattr(exc, "signal", signal.SIGTERM)).name
    return None


def stop_fetching_and_cleaning(cleaner) -> None:
    """What a stopping run does first: no new network reads, the workers killed."""
    from .sources.limits import cancel_fetches

    cancel_fetches()
    if cleaner is not None:
        cleaner.close(kill=True)
