"""A SIGTERM that lands inside a DuckDB query: DuckDB runs the signal handler and replaces what it
raised with an error of its own, so the run was counted failed (exit 1) instead of cancelled (143)."""
from __future__ import annotations

import os
import signal

import duckdb
import pytest

from flows import signals


@pytest.fixture
def handlers():
    saved = {s: signal.getsignal(s) for s in signals.SIGNALS}
    signals.install()
    yield
    for s, h in saved.items():
        signal.signal(s, h)
    signals.RECEIVED.clear()


def _query_stopped_by_sigterm():
    """A query during which this process gets SIGTERM (from a function the query calls)."""
    con = duckdb.connect()
    con.execute("SET threads = 1")
    con.create_function("stop_me", lambda x: os.kill(os.getpid(), signal.SIGTERM) or x, [int], int)
    try:
        con.execute("SELECT stop_me(i::INTEGER) FROM range(3) r(i)").fetchall()
        for _ in range(1000):  # the handler runs at the latest here, if the query let the signal wait
            pass
    finally:
        con.close()


def test_a_signal_reworded_by_duckdb_still_counts_as_the_stop_it_asked_for(handlers):
    with pytest.raises(BaseException) as info:
        _query_stopped_by_sigterm()
    assert signals.interrupted_by(info.value) == "SIGTERM"
    assert signals.received().signum == signal.SIGTERM


def test_the_command_exits_as_stopped_not_failed(handlers, capsys):
    from flows.cli import _run_flow
    from flows.settings import Settings

    with pytest.raises(signals.RunInterrupted) as info:
        _run_flow(_query_stopped_by_sigterm, Settings(db_path="unused.duckdb"), as_json=False)
    assert signals.exit_code(info.value) == 143
    assert "the run failed" not in capsys.readouterr().err


def test_prefects_own_handler_reworded_by_duckdb_is_a_stop_too():
    """Inside a flow run Prefect's SIGTERM handler raises its TerminationSignal, recording nothing;
    DuckDB then replaces it with an error of its own."""
    from prefect.exceptions import TerminationSignal
    from prefect.utilities.engine import capture_sigterm

    signals.RECEIVED.clear()
    saved = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(BaseException) as info:
            with capture_sigterm():  # Prefect's bridge, as a flow run installs it
                try:
                    _query_stopped_by_sigterm()
                except TerminationSignal:  # the handler ran outside the query: not this test's case
                    pytest.skip("the signal was handled outside the query")
    finally:
        signal.signal(signal.SIGTERM, saved)
    assert not signals.RECEIVED
    assert signals.interrupted_by(info.value) == "SIGTERM"
    assert signals.received(RuntimeError(signals.QUERY_INTERRUPTED)).signum == signal.SIGTERM
    assert signals.received(RuntimeError("disk full")) is None
