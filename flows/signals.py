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


RECEIVED: list[int] = []  # the signal that asked this process to stop, once it came


def _handler(signum, _frame) -> None:
    for s in SIGNALS:  # a second signal ends the process at once
        signal.signal(s, signal.SIG_DFL)
    RECEIVED.append(signum)
    raise RunInterrupted(signum)


QUERY_INTERRUPTED = "Query interrupted"  # DuckDB's words for a query a signal handler raised in


def received(exc: BaseException | None = None) -> RunInterrupted | None:
    """The stop a signal asked for, also when the exception it raised did not come through: DuckDB
    runs the signal handler while a query executes and replaces what it raised with its own
    ``RuntimeError: Query interrupted`` (or an error naming it, from a Python function the query
    called). A SIGTERM during a commit or the run checks then failed the run, exit 1, instead of
    cancelling it. Ours is recorded when it comes; Prefect's own SIGTERM handler (inside a flow
    run) records nothing, so ``exc`` and its causes are read for what the handler raised, or for
    DuckDB's words (only a signal interrupts a query here: newsflow never calls interrupt())."""
    if RECEIVED:
        return RunInterrupted(RECEIVED[0])
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, RunInterrupted):
            return exc
        if type(exc).__name__ == "TerminationSignal" or QUERY_INTERRUPTED in str(exc):
            return RunInterrupted(getattr(exc, "signal", None) or signal.SIGTERM)
        if "RunInterrupted: stopped by SIG" in str(exc) or "TerminationSignal" in str(exc):
            return RunInterrupted(signal.SIGINT if "SIGINT" in str(exc) else signal.SIGTERM)
        exc = exc.__cause__ or exc.__context__
    return None


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
    if (stop := received(exc)) is not None:  # whatever the signal's exception became on its way
        return signal.Signals(stop.signum).name
    return None


def stop_fetching_and_cleaning(cleaner) -> None:
    """What a stopping run does first: no new network reads, the workers killed."""
    from .sources.limits import cancel_fetches

    cancel_fetches()
    if cleaner is not None:
        cleaner.close(kill=True)
