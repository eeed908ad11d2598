"""A failed run's terminal shows newsflow's message, not Prefect's tracebacks; the Prefect API
still gets them whole (flows/terminal_logs.py)."""
from __future__ import annotations

import asyncio
import io
import logging

import pytest

from flows.terminal_logs import HINT, WithoutTraceback, tracebacks_folded


def _error_record(name: str) -> logging.LogRecord:
    try:
        raise ValueError("boom")
    except ValueError as exc:
        return logging.LogRecord(name, logging.ERROR, __file__, 1, "Task run failed: %s", (exc,),
                                 (type(exc), exc, exc.__traceback__))


def test_the_console_formats_a_run_error_without_its_traceback_and_other_handlers_keep_it():
    inner = logging.Formatter("%(levelname)s %(message)s")
    folded = WithoutTraceback(inner)
    record = _error_record("prefect.task_runs")
    out = folded.format(record)
    assert out.splitlines()[0] == "ERROR Task run failed: boom" and HINT in out and "Traceback" not in out
    assert record.exc_info is not None                     # the record itself is untouched
    assert "Traceback" in logging.Formatter().format(record)  # as the API handler formats it
    other = _error_record("flows.pipeline")                # not a run logger: as it was
    assert "Traceback" in folded.format(other)


def test_folding_is_undone_after_the_block_and_can_be_switched_off(monkeypatch):
    from prefect.logging.handlers import PrefectConsoleHandler

    handler = PrefectConsoleHandler(stream=io.StringIO())
    original = handler.formatter
    logging.getLogger().addHandler(handler)
    try:
        with tracebacks_folded():
            assert isinstance(handler.formatter, WithoutTraceback)
        assert handler.formatter is original
        monkeypatch.setenv("NEWSFLOW_TRACEBACKS", "1")
        with tracebacks_folded():
            assert handler.formatter is original
    finally:
        logging.getLogger().removeHandler(handler)


FAILING_RUN = """
import sys
from flows.cli import main
from flows.pipeline import stages

def fails(*args, **kwargs):
    raise RuntimeError("the disk said no")

stages.store_and_dedup = fails  # a batch's store fails, as a full disk's commit does
sys.exit(main(["run", "--db", sys.argv[1], "--no-progress"]))
"""


@pytest.mark.slow
def test_a_run_that_fails_inside_the_flow_prints_no_traceback_but_the_api_has_it(prefect_api, cli_env, tmp_path):
    """A batch whose store fails fails the run with exit 1 and newsflow's message, Prefect's error
    lines without tracebacks; the run's logs in the Prefect API hold the traceback."""
    import subprocess
    import sys

    from prefect import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from tests_support import ROOT

    proc = subprocess.run([sys.executable, "-c", FAILING_RUN, str(tmp_path / "news.duckdb")], env=cli_env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "newsflow: the run failed: RuntimeError: the disk said no" in proc.stderr
    assert "Task run failed with exception" in proc.stderr and "NEWSFLOW_TRACEBACKS=1" in proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]

    async def logs_of_latest_run():
        async with get_client() as client:
            run = (await client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=1))[0]
            return await client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])),
                                          limit=200, offset=0)

    with temporary_settings({PREFECT_API_URL: prefect_api}):
        logs = asyncio.run(logs_of_latest_run())
    assert any("Traceback" in log.message and "the disk said no" in log.message for log in logs), \
        [log.message[:200] for log in logs]

    shown = subprocess.run([sys.executable, "-c", FAILING_RUN, str(tmp_path / "news.duckdb")],
                           env=dict(cli_env, NEWSFLOW_TRACEBACKS="1"), cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert shown.returncode == 1 and "Traceback" in shown.stderr
