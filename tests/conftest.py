"""Shared fixtures: a real Prefect server for the session, fresh DuckDB files, the seeds."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT / "flows" / "samples"


@pytest.fixture(scope="session")
def prefect_api():
    """A throwaway Prefect server (its own database) for the whole session.

    In-process flow runs talk to it; subprocess ``newsflow`` runs get its URL
    in PREFECT_API_URL, so they skip the ephemeral server's start-up."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "news.duckdb"


@pytest.fixture
def cli_env(prefect_api, tmp_path):
    env = dict(os.environ)
    env["PREFECT_API_URL"] = prefect_api
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env.pop("NEWSFLOW_DB", None)
    return env


def run_cli(args: list[str], env: dict, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m flows ARGS`` as a user would, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "flows", *args], env=env, cwd=cwd or ROOT,
        capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture
def cli():
    return run_cli
