"""Passwords in sources and settings reach the flow, not Prefect's record of the run or `runs`."""
from __future__ import annotations

import dataclasses
import json

import duckdb
import httpx
import pytest

from flows.pipeline.flows import newsflow_flow, run_settings
from flows.pipeline.parameters import Masked, masked, masked_settings, revealed, without_secrets
from flows.settings import Settings
from route_server import Route, RouteServer, page


@pytest.mark.parametrize("given, shown", [
    ("https://ann:s3cret@host.example/feed", "https://ann:***@host.example/feed"),
    ("postgres:dbname=lake host=db user=ann password=s3cret", "postgres:dbname=lake host=db user=ann password=***"),
    ("postgres:dbname=lake password = 'se cret' host=db", "postgres:dbname=lake password = *** host=db"),
    ("postgres:postgresql://ann:s3cret@db:5432/lake", "postgres:postgresql://ann:***@db:5432/lake"),
])
def test_without_secrets(given, shown):
    assert without_secrets(given) == shown
    assert revealed(masked(given)) == given and str(masked(given)) == shown


def test_values_without_a_password_are_passed_as_they_are():
    for value in ("https://host.example/feed", "/data/in box", "postgres:dbname=lake host=db", "https://ann@host/"):
        assert masked(value) == value and not isinstance(masked(value), Masked)


def test_prefect_records_the_parameters_without_passwords_and_the_flow_gets_them_whole(tmp_path):
    settings = dataclasses.replace(Settings.from_env(db_path=str(tmp_path / "n.duckdb")),
                                   lake_catalog="postgres:dbname=lake user=ann password=s3cret")
    sources = ["https://ann:s3cret@host.example/feed", "/data/inbox"]
    recorded = json.dumps(newsflow_flow.serialize_parameters(
        {"sources": [masked(s) for s in sources], "settings": masked_settings(settings)}))
    assert "s3cret" not in recorded
    assert "https://ann:***@host.example/feed" in recorded and "password=***" in recorded
    assert run_settings(masked_settings(settings)) == settings  # what the flow body works with


@pytest.mark.slow
def test_a_run_keeps_the_password_out_of_prefect_and_the_runs_table(cli_env, cli, tmp_path):
    server = RouteServer()
    try:
        server.routes["/story"] = Route(page("story"))
        url = server.base.replace("http://", "http://ann:s3cret@") + "/story"
        db = tmp_path / "news.duckdb"
        proc = cli(["run", url, "--db", str(db), "--allow-private", "--json"], cli_env)
        assert proc.returncode == 0, proc.stderr[-2000:]
        story = [h for h in server.hits if h.path == "/story"]
        assert story and story[0].headers.get("authorization", "").startswith("Basic ")  # the password was used
    finally:
        server.stop()
    run_id = json.loads(proc.stdout)["run_id"]
    flow_run = httpx.get(f"{cli_env['PREFECT_API_URL']}/flow_runs/{run_id}", timeout=30).json()
    recorded = json.dumps(flow_run["parameters"])
    assert "s3cret" not in recorded and "ann:***@" in recorded, recorded
    con = duckdb.connect(str(db), read_only=True)
    try:
        [(stored,)] = con.execute("SELECT sources FROM runs").fetchall()
        assert stored == [url.replace("s3cret", "***")]
    finally:
        con.close()
