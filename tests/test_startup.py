"""The command's start-up: the no-op check reads little when there is work, and the
start-up steps are recorded in the run's timings only for the newsflow command."""
from __future__ import annotations

import os
from collections import Counter

import pytest

from flows.pipeline import noop
from flows.settings import Settings
from flows.sources import iter_local_documents, resolve_sources
from flows.storage import transaction


def _store_raw_ids(settings: Settings, docs) -> None:
    with transaction(settings, migrate=True) as con:
        for d in docs:
            con.execute("INSERT INTO raw_articles (raw_id, source, kind, content_hash, size_bytes, run_id, ingested_at, code_version) "
                        "VALUES (?, ?, 'text', ?, ?, 'r', now(), 'v')", [d.raw_id, d.source, d.content_hash, len(d.content)])


def test_nothing_new_check_stops_at_the_first_small_chunk_with_work(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(150):
        (folder / f"{i:03d}.txt").write_text(f"Document number {i}. " * 20)
    settings = Settings(db_path=str(tmp_path / "n.duckdb"), batch_size=2000)
    local = resolve_sources([str(folder)], settings).local
    docs = list(iter_local_documents(local, settings))
    _store_raw_ids(settings, docs[:100])  # the first chunk (64) is stored, the second (128) is not

    counts: Counter = Counter()
    assert noop._all_stored(settings, local, counts) is False
    assert counts["read"] == noop.FIRST_CHUNK == 64

    _store_raw_ids(settings, docs[100:])
    counts = Counter()
    assert noop._all_stored(settings, local, counts) is True
    assert counts["read"] == counts["already_stored"] == 150


def test_startup_timings_only_for_the_command(monkeypatch):
    import flows.cli
    from flows import startup

    monkeypatch.setattr(startup, "MARKS", {})
    monkeypatch.setattr(flows.cli, "IN_CONSOLE", False)
    startup.mark("api_ready")
    assert startup.timings() == {} and startup.MARKS == {}  # a test or a worker: its age is not a start-up

    monkeypatch.setattr(flows.cli, "IN_CONSOLE", True)
    startup.mark("api_ready")
    got = startup.timings()
    assert set(got) == {"process_start_to_flow", "startup_api_ready"}
    assert 0 <= got["startup_api_ready"] <= got["process_start_to_flow"]


def test_no_heartbeats_on_the_temporary_api_only(monkeypatch):
    """Heartbeats let a lasting server notice a crashed run; the temporary API ends with the
    command, and the flow's end waited up to a second for the heartbeat thread."""
    from prefect.settings import get_current_settings

    from flows.prefect_server import EarlyServer

    before = get_current_settings().flows.heartbeat_frequency
    server = EarlyServer()  # not started: PREFECT_API_URL given, or no Prefect
    with server.flow_settings():
        assert get_current_settings().flows.heartbeat_frequency == before
    server.proc = object()  # started by this command (only the settings are looked at here)
    with server.flow_settings():
        assert get_current_settings().flows.heartbeat_frequency is None
    assert get_current_settings().flows.heartbeat_frequency == before


def test_temporary_api_told_to_stop_at_exit_goes_down_on_its_own(monkeypatch):
    """At exit the command does not wait for the API's graceful shutdown; the API must still end
    by itself, and its log file is gone at once."""
    import time

    from flows.prefect_server import EarlyServer

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    server = EarlyServer()
    server.start()
    try:
        assert server.proc is not None
        server.wait_ready()
        proc, log = server.proc, server.log_path
        assert proc is not None, "the temporary API did not answer"
        assert server.cpu_at_ready is not None and server._watched.is_set()  # answered, then warmed up
        server.stop(wait=False)
        assert server.proc is None and not log.exists()
        deadline = time.monotonic() + 120  # generous: only the end matters, not how fast
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert proc.poll() is not None, "the temporary API outlived its stop"
    finally:
        server.stop()
        monkeypatch.delenv("PREFECT_API_URL", raising=False)


def test_loopback_cert_file_is_one_parsable_certificate(tmp_path, monkeypatch):
    """Prefect's clients of the temporary API load this instead of certifi's whole bundle."""
    import ssl

    from flows.prefect_server import _loopback_cert_file

    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    path = _loopback_cert_file()
    assert path is not None and path.startswith(str(tmp_path))
    assert open(path).read().count("BEGIN CERTIFICATE") == 1
    ssl.create_default_context(cafile=path)  # parses
    assert _loopback_cert_file() == path  # made once


def test_an_api_that_dies_at_start_leaves_the_run_to_prefect(monkeypatch):
    """wait_ready gives up on an API process that ended before answering: PREFECT_API_URL is
    unset again, so Prefect starts its own temporary server, as without the early start."""
    import subprocess
    import sys
    import threading
    import time

    from flows.prefect_server import EarlyServer, _free_port

    server = EarlyServer()
    server.proc = subprocess.Popen([sys.executable, "-c", "pass"])
    server.url = f"http://127.0.0.1:{_free_port()}/api"
    monkeypatch.setenv("PREFECT_API_URL", server.url)
    threading.Thread(target=server._watch, args=(time.monotonic() + 60,), daemon=True).start()
    server.wait_ready()
    assert server.proc is None and server.cpu_at_ready is None
    assert "PREFECT_API_URL" not in os.environ


def test_collector_paused_for_start_up_then_frozen():
    """The start-up's imports run without the garbage collector; afterwards it runs again, and
    what the imports made is frozen (not walked by the run's collections)."""
    import gc

    from flows.startup import collector_paused

    assert gc.isenabled()
    try:
        with collector_paused():
            assert not gc.isenabled()
            kept = [[] for _ in range(1000)]
        assert gc.isenabled() and gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()
    try:
        with collector_paused():
            raise ValueError("a failed start-up")
    except ValueError:
        pass
    assert gc.isenabled()
    gc.unfreeze()


def test_collector_paused_blocks_may_overlap():
    """The command's start-up block ends while the checks' warm-up thread still imports GX in
    its own: the collector comes back only when the last block ends."""
    import gc
    import threading

    from flows.startup import collector_paused

    inside, leave = threading.Event(), threading.Event()

    def warm_up():
        with collector_paused():
            inside.set()
            leave.wait(30)

    try:
        with collector_paused():
            thread = threading.Thread(target=warm_up)
            thread.start()
            assert inside.wait(30)
        assert not gc.isenabled()  # the thread's block is still open
        leave.set()
        thread.join(30)
        assert gc.isenabled()
    finally:
        leave.set()
        gc.enable()
        gc.unfreeze()


def test_checks_warm_up_starts_once_in_the_background(monkeypatch, tmp_path):
    """The command starts the GX warm-up while it waits for the API, and the flow asks again:
    one thread, which builds the batch suites, and the interpreter's switch interval is put back
    when it ends."""
    import sys

    from flows import quality
    from flows.quality import runner
    from flows.quality.suites import CLEAN, RAW

    monkeypatch.setattr(quality, "_warm_up_thread", None)
    interval = sys.getswitchinterval()
    settings = Settings(db_path=str(tmp_path / "n.duckdb"))
    quality.start_warm_up(settings)
    first = quality._warm_up_thread
    quality.start_warm_up(settings)
    assert quality._warm_up_thread is first
    first.join(120)
    assert not first.is_alive()
    assert {RAW.name, CLEAN.name} <= set(runner._state["suites"])
    assert sys.getswitchinterval() == interval


ROUTES_APP = r'''
import json, sys
from fastapi import APIRouter, FastAPI, WebSocket
from fastapi.testclient import TestClient

def app():
    a = FastAPI()
    runs = APIRouter(prefix="/flow_runs")
    @runs.get("/{id}")
    def read_run(id: int): return {"run": id}
    @runs.post("/filter")
    def filter_runs(): return ["r"]
    logs = APIRouter(prefix="/logs")
    @logs.post("/")
    def create_logs(): return "logs"
    flows_ = APIRouter()  # prefix given at include time
    @flows_.get("/{name}")
    def read_flow(name: str): return {"flow": name}
    events = APIRouter(prefix="/events")
    @events.websocket("/in")
    async def events_in(ws: WebSocket):
        await ws.accept(); await ws.send_text("ok"); await ws.close()
    @a.get("/health")
    def health(): return True
    inner = APIRouter(prefix="/admin")
    @inner.get("/version")
    def version(): return "1"
    outer = APIRouter(prefix="/api")
    outer.include_router(inner)
    for r in (runs, logs, events, outer):
        a.include_router(r)
    a.include_router(flows_, prefix="/flows")
    return a

if sys.argv[1] == "patched":
    from flows.prefect_api import _match_routers_by_prefix
    assert _match_routers_by_prefix()
out = []
client = TestClient(app())
for method, path in [("get", "/flow_runs/3"), ("post", "/flow_runs/filter"), ("get", "/flow_runs/filter"),
                     ("get", "/flow_runs/x"), ("post", "/logs/"), ("post", "/logs"), ("get", "/logs/"),
                     ("get", "/flows/etl"), ("get", "/flowsX/etl"), ("get", "/health"), ("get", "/api/admin/version"),
                     ("get", "/api/admin"), ("get", "/flow_runsX/3"), ("get", "/nothing")]:
    r = getattr(client, method)(path, follow_redirects=False)
    out.append([method, path, r.status_code, r.text])
with client.websocket_connect("/events/in") as ws:
    out.append(["ws", "/events/in", ws.receive_text()])
print(json.dumps(out))
'''


def test_routers_matched_by_prefix_route_as_before():
    """The temporary API skips, before building them, the routers whose prefix a request's path
    lacks (prefect_api.py): every request gets the same answer as without it (found, 404, 405,
    a redirect for a missing slash, a websocket), in a process of its own."""
    import json
    import subprocess
    import sys

    def answers(mode: str) -> list:
        out = subprocess.run([sys.executable, "-c", ROUTES_APP, mode], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
        return json.loads(out.stdout)

    plain, patched = answers("plain"), answers("patched")
    assert patched == plain
    assert {a[2] for a in plain if a[0] != "ws"} == {200, 307, 404, 405, 422}


HASH_ONCE = r"""
import json
from prefect.settings.models.root import Settings
from prefect.settings import get_current_settings
original = Settings.hash_key
settings = get_current_settings()
expected = original(settings)
calls = []
def counted(self):
    calls.append(1)
    return original(self)
Settings.hash_key = counted
from flows.prefect_api import _hash_settings_once
_hash_settings_once()
_hash_settings_once()  # a second time changes nothing
first, second = settings.hash_key(), settings.hash_key()
other = Settings(api={"url": "http://127.0.0.1:1/api"})
other_key = other.hash_key()
print(json.dumps([first == second == expected, len(calls), other_key == original(other) != expected]))
"""


def test_the_api_hashes_its_settings_once_with_prefects_key():
    """The temporary API's process asks Prefect's settings key twice while making its app
    (prefect_api._hash_settings_once): the same key, computed once per settings object."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", HASH_ONCE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, 2, True]  # once for each settings object


@pytest.mark.slow
def test_a_run_on_the_temporary_api_records_its_task_runs_logs_events_and_artifacts(tmp_path):
    """A run without PREFECT_API_URL talks to the temporary API that prefect_api.py starts (its
    routers matched by prefix, the flow's settings made in advance): everything the Prefect UI
    shows later from the same PREFECT_HOME is in its database: the flow run, its task runs,
    logs, the events that arrive over the API's websocket, and the artifacts."""
    import json
    import sqlite3
    import subprocess
    import sys
    import time

    from tests_support import ROOT, SEEDS_DIR

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_URL", "NEWSFLOW_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_LOGGING_LEVEL="INFO")  # a user's default (the tests' conftest lowers it)

    def run_recorded(db_name: str) -> str:
        """A run on the seeds into a fresh file; its flow run and task runs are in Prefect's database."""
        out = subprocess.run([sys.executable, "-m", "flows", "run", str(SEEDS_DIR), "--db", str(tmp_path / db_name),
                              "--json", "--no-progress"], env=env, cwd=ROOT, capture_output=True, text=True,
                             timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
        run_id = json.loads(out.stdout)["run_id"]
        con = sqlite3.connect(tmp_path / "prefect-home" / "prefect.db")
        try:
            assert con.execute("SELECT state_type FROM flow_run WHERE id = ?", (run_id,)).fetchone() == ("COMPLETED",)
            tasks = con.execute("SELECT count(*) FROM task_run WHERE flow_run_id = ? AND state_type = 'COMPLETED'",
                                (run_id,)).fetchone()[0]
            assert tasks >= 4  # raw checks, cleaning, clean checks, store and dedup, at least
        finally:
            con.close()
        return run_id

    run_id = run_recorded("n.duckdb")
    con = sqlite3.connect(tmp_path / "prefect-home" / "prefect.db")
    try:
        assert con.execute("SELECT count(*) FROM log WHERE flow_run_id = ?", (run_id,)).fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM artifact WHERE flow_run_id = ?", (run_id,)).fetchone()[0] > 0
    finally:
        con.close()
    # the API is only told to stop when the command exits: it writes the last events as it ends
    deadline, events = time.monotonic() + 120, {}
    while time.monotonic() < deadline and "prefect.flow-run.Completed" not in events:
        con = sqlite3.connect(tmp_path / "prefect-home" / "prefect.db")
        try:
            events = dict(con.execute("SELECT event, count(*) FROM events WHERE resource_id = ? GROUP BY event",
                                      (f"prefect.flow-run.{run_id}",)).fetchall())
        finally:
            con.close()
        time.sleep(0.2)
    assert events == {"prefect.flow-run.Pending": 1, "prefect.flow-run.Running": 1, "prefect.flow-run.Completed": 1}
    # the first start migrated Prefect's database and noted it: the next start skips the check
    # (prefect_api._migrate_once_per_version) and its run is recorded the same way
    assert (tmp_path / "prefect-home" / "prefect.db.newsflow-migrated").is_file()
    assert run_recorded("m.duckdb") != run_id


MIGRATE_ONCE = r"""
import asyncio, json, os, sqlite3, sys
from pathlib import Path
home = Path(sys.argv[1])
import prefect
import prefect.server.api.server
from prefect.server.database import provide_database_interface
from prefect.server.database.interface import PrefectDBInterface
calls = []
original = PrefectDBInterface.create_db
async def counted(self):
    calls.append(1)
    await original(self)
PrefectDBInterface.create_db = counted
from flows.prefect_api import MIGRATED_SUFFIX, _migrate_once_per_version, _revision
assert _migrate_once_per_version() and not _migrate_once_per_version()  # once per process
db_file = home / "prefect.db"
marker = Path(str(db_file) + MIGRATED_SUFFIX)
seen = []
async def main():
    db = provide_database_interface()
    await db.create_db()  # a new database: Prefect migrates it, the version and revision are noted
    noted = json.loads(marker.read_text())
    seen.append([len(calls), noted == {"prefect": prefect.__version__, "revision": _revision(str(db_file))}])
    await db.create_db()  # the same version, the database still at that revision: not checked again
    seen.append([len(calls)])
    marker.write_text(json.dumps({"prefect": "0.0.1", "revision": noted["revision"]}))
    await db.create_db()  # another Prefect version noted it: checked (and noted) again
    seen.append([len(calls), json.loads(marker.read_text()) == noted])
    con = sqlite3.connect(db_file)
    con.execute("UPDATE alembic_version SET version_num = 'moved-by-another-server'")
    con.commit()
    con.close()
    seen.append([_revision(str(db_file)) == "moved-by-another-server"])
    marker.write_text("not json")
    await db.create_db()  # an unreadable note: Prefect's own check (alembic then refuses the unknown revision)
try:
    asyncio.run(main())
except Exception as exc:
    seen.append([type(exc).__name__, len(calls)])
print(json.dumps(seen))
"""


def test_prefects_migrations_are_checked_once_per_version_and_database(tmp_path):
    """prefect_api._migrate_once_per_version: the temporary API skips Prefect's migration check
    only when it migrated this SQLite file itself, with this Prefect version, to the revision the
    file is still at; anything else runs Prefect's own check."""
    import json
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_URL", "PREFECT_SERVER_DATABASE"))}
    env.update(PREFECT_HOME=str(tmp_path), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    out = subprocess.run([sys.executable, "-c", MIGRATE_ONCE, str(tmp_path)], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen[:4] == [[1, True], [1], [2, True], [True]]
    assert seen[4][1] == 3  # the unreadable note sent it to Prefect's check, which raised on the unknown revision


def test_a_sqlite_url_gives_its_file():
    from flows.prefect_api import _sqlite_file

    assert _sqlite_file("sqlite+aiosqlite:////home/u/.prefect/prefect.db") == "/home/u/.prefect/prefect.db"
    assert _sqlite_file("sqlite:///rel/p.db?timeout=5") == "rel/p.db"
    assert _sqlite_file("sqlite+aiosqlite:///:memory:") is None
    assert _sqlite_file("postgresql+asyncpg://u:p@h/db") is None
