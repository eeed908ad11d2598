"""Against a real `prefect server start`: the run shows there, Completed, with its artifacts."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests_support import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.server]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_UI_ENABLED="false")
    env.pop("PREFECT_API_URL", None)
    log = open(home / "server.log", "w")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"prefect server exited: {(home / 'server.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("prefect server did not start in 120 s")
    yield url
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_run_shows_in_the_server_with_artifacts(prefect_server, tmp_path, cli):
    env = dict(os.environ, PREFECT_API_URL=prefect_server, PREFECT_SERVER_ANALYTICS_ENABLED="false")
    proc = cli(["run", "--db", str(tmp_path / "news.duckdb"), "--json"], env)
    assert proc.returncode == 0, proc.stderr
    import json

    run_id = json.loads(proc.stdout)["run_id"]
    with httpx.Client(base_url=prefect_server, timeout=10) as api:
        flow_run = api.get(f"/flow_runs/{run_id}").json()
        assert flow_run["state"]["type"] == "COMPLETED"
        tasks = api.post("/task_runs/filter", json={"flow_runs": {"id": {"any_": [run_id]}}}).json()
        names = {t["name"].rsplit("-", 1)[0] for t in tasks}
        assert {"check-raw", "clean", "check-clean", "store-and-dedup", "check-dedup-and-run"} <= names
        assert len(tasks) < 20, "one task per stage per batch, never per article"
        assert all(t["state"]["type"] == "COMPLETED" for t in tasks)
        artifacts = api.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run_id]}}}).json()
        keys = {a["key"] for a in artifacts}
        assert {"newsflow-run-counts", "newsflow-run-summary"} <= keys
        summary = next(a for a in artifacts if a["key"] == "newsflow-run-summary")
        assert "Data quality" in summary["data"]


def test_deployment_runs_on_a_process_worker(prefect_server, tmp_path, cli):
    """`newsflow deploy` registers prefect.yaml's deployments; a process worker runs one to Completed."""
    import yaml

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    for d in spec["deployments"]:
        d["parameters"]["db_path"] = str(tmp_path / "scheduled.duckdb")
    (tmp_path / "prefect.yaml").write_text(yaml.safe_dump(spec))
    env = dict(os.environ, PREFECT_API_URL=prefect_server, PREFECT_SERVER_ANALYTICS_ENABLED="false")
    prefect = str(Path(sys.executable).parent / "prefect")
    subprocess.run([prefect, "work-pool", "create", "newsflow-process", "--type", "process"],
                   env=env, check=True, capture_output=True, timeout=60)
    deployed = cli(["deploy", "--file", str(tmp_path / "prefect.yaml")], env, cwd=tmp_path)
    assert deployed.returncode == 0, deployed.stderr
    assert "newsflow/feeds-hourly" in deployed.stdout and "15 * * * *" in deployed.stdout
    worker = subprocess.Popen([prefect, "worker", "start", "--pool", "newsflow-process"], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        run = subprocess.run([prefect, "deployment", "run", "newsflow/sample", "--watch", "--watch-timeout", "240"],
                             env=env, capture_output=True, text=True, timeout=300)
        assert "Completed" in run.stdout, run.stdout[-2000:] + run.stderr[-2000:]
    finally:
        worker.terminate()
        worker.wait(30)
    import duckdb

    con = duckdb.connect(str(tmp_path / "scheduled.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    with httpx.Client(base_url=prefect_server, timeout=10) as api:
        deps = {d["name"]: d for d in api.post("/deployments/filter", json={}).json()}
        feeds = deps["feeds-hourly"]
        assert (feeds.get("concurrency_limit") or (feeds.get("global_concurrency_limit") or {}).get("limit")) == 1
        assert deps["feeds-hourly"]["schedules"][0]["schedule"]["cron"] == "15 * * * *"


def test_batch_progress_reaches_the_ui_but_not_the_terminal(prefect_server, tmp_path, cli):
    """INFO records go to the API (the UI's Logs tab), the console shows only warnings and errors."""
    import asyncio
    import json

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    env = dict(os.environ, PREFECT_API_URL=prefect_server, PREFECT_SERVER_ANALYTICS_ENABLED="false",
               NEWSFLOW_BATCH_SIZE="2")
    env.pop("PREFECT_LOGGING_LEVEL", None)  # the test session's own quieting: a user has none
    proc = cli(["run", "--db", str(tmp_path / "news.duckdb"), "--json"], env)
    assert proc.returncode == 0, proc.stderr
    run_id = json.loads(proc.stdout)["run_id"]
    assert " INFO " not in proc.stderr and "| INFO" not in proc.stderr, proc.stderr[-2000:]

    async def read_logs():
        async with get_client() as client:
            return await client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])),
                                          limit=200, offset=0)

    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: prefect_server}):
        logs = asyncio.run(read_logs())
    batch_lines = [log.message for log in logs if log.level == 20 and log.message.startswith("batch ")]
    assert len(batch_lines) == 3, [log.message for log in logs]  # 5 sample documents in batches of 2
    assert all("documents" in m and "articles" in m and "quarantined" in m and "duplicates" in m and " s" in m
               for m in batch_lines), batch_lines
    assert any(log.message.startswith("run ") for log in logs)
