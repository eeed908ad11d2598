"""The temporary Prefect API's process (prefect_server.py starts it): Prefect's own app under
uvicorn, as Prefect's ephemeral mode runs it, with its imports done first and the garbage collector
paused meanwhile.

Importing Prefect's server (FastAPI, SQLAlchemy and some thousand pydantic models) is 2.5-3 s of
CPU, the longest step before a run's flow can start; about 15% of it is the collector walking the
objects the imports create, which are all kept. They are then frozen (never walked again) and
uvicorn is run with the command line it was given. FastAPI is told to skip the routers a request
cannot be for before it builds them (``_match_routers_by_prefix``): the first request no longer
builds all of Prefect's routes, and the settings' cache key is computed once, not twice.
Prefect's migrations are checked once per Prefect version and database, not at every start
(``_migrate_once_per_version``).
"""
from __future__ import annotations

import sys

from flows.startup import collector_paused


def _match_routers_by_prefix() -> bool:
    """FastAPI (0.150-0.154) builds the routes of an included router (their dependencies and
    pydantic fields) the first time a request is matched against that router, and a request is
    matched against each router in turn until one has its route: the API's first request built
    all 188 of Prefect's routes (0.4 CPU-s) though a run uses a few routers. A router whose
    prefix the request's path does not start with cannot hold its route (every route in it is
    the prefixes plus its own path), so it is skipped before it is built. Applied only to the
    FastAPI versions it was checked on (0.150, 0.152, 0.154: tests/test_startup.py gives the same
    answers with and without it); others are left as they are."""
    import fastapi
    from fastapi import routing
    from starlette._utils import get_route_path
    from starlette.routing import Match

    included = getattr(routing, "_IncludedRouter", None)
    if included is None or not fastapi.__version__.startswith(("0.150.", "0.151.", "0.152.", "0.153.", "0.154.")):
        return False
    matches = included.matches

    def matches_by_prefix(self, scope):
        prefix = self.include_context.prefix + getattr(self.original_router, "prefix", "")
        if prefix and scope.get("type") in ("http", "websocket"):
            path = get_route_path(scope)
            if not (path == prefix or path.startswith(prefix.rstrip("/") + "/")):
                return Match.NONE, {}
        return matches(self, scope)

    included.matches = matches_by_prefix
    return True


def _hash_settings_once() -> None:
    """Prefect keys its app caches by ``Settings.hash_key()``, which turns every setting into an
    environment variable (0.06 s of CPU), and making the app asks it twice for the same settings
    (``create_app``, then ``create_api_app``) on the way to the API's first answer. This process
    makes one app, from settings nothing changes meanwhile: the key is computed once per
    settings object (the same value) and the second ask is free."""
    from prefect.settings.models.root import Settings

    original = Settings.hash_key
    if getattr(original, "once_per_settings", False):
        return
    keys: dict[int, tuple[object, str]] = {}

    def hash_key(self) -> str:
        held = keys.get(id(self))
        if held is None or held[0] is not self:
            held = keys[id(self)] = (self, original(self))
        return held[1]

    hash_key.once_per_settings = True
    Settings.hash_key = hash_key


MIGRATED_SUFFIX = ".newsflow-migrated"  # beside Prefect's SQLite file: the Prefect version and revision it migrated to


def _sqlite_file(url: str) -> str | None:
    """The file of a SQLite database URL (``sqlite+aiosqlite:////abs/prefect.db``), else None
    (read by SQLAlchemy's own URL parser, which Prefect's server uses to open it)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    database = parsed.database
    return database if parsed.get_backend_name() == "sqlite" and database and database != ":memory:" else None


def _revision(path: str) -> str | None:
    """The alembic revision a SQLite file is at (None: no file, no table, or unreadable)."""
    import sqlite3
    from pathlib import Path

    if not Path(path).is_file():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            rows = con.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return rows[0][0] if len(rows) == 1 else None


def _migrate_once_per_version() -> bool:
    """Prefect checks its database against every migration at each API start (``create_db``:
    alembic and its ~100 migration scripts loaded, 0.27-0.30 CPU-s on a database already up to
    date), on the way to the API's first answer, which the run waits for. After migrating a
    SQLite database this process notes beside it the Prefect version and the revision it reached;
    a later start with the same Prefect version, finding the database still at that revision,
    skips the check. Anything else (another Prefect version, a database another server moved,
    a new or unreadable file, any other database than SQLite) runs Prefect's own check, as
    before."""
    import json
    import os
    from pathlib import Path

    import prefect
    from prefect.server.database.interface import PrefectDBInterface

    original = PrefectDBInterface.create_db
    if getattr(original, "once_per_version", False):
        return False

    async def create_db(self) -> None:
        path = _sqlite_file(getattr(self.database_config, "connection_url", "") or "")
        marker = Path(path + MIGRATED_SUFFIX) if path else None
        if marker is not None and marker.is_file():
            try:
                noted = json.loads(marker.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                noted = None
            revision = _revision(path)
            if revision is not None and noted == {"prefect": prefect.__version__, "revision": revision}:
                return
        await original(self)
        if marker is not None and (revision := _revision(path)) is not None:
            try:
                tmp = marker.with_name(marker.name + f".{os.getpid()}.tmp")
                tmp.write_text(json.dumps({"prefect": prefect.__version__, "revision": revision}), encoding="utf-8")
                os.replace(tmp, marker)
            except OSError:  # a read-only home: the check runs at every start, as before
                pass

    create_db.once_per_version = True
    PrefectDBInterface.create_db = create_db
    return True


def main() -> int:
    with collector_paused():
        import prefect.server.api.server  # noqa: F401  (the app factory uvicorn is given)
        from uvicorn.main import main as uvicorn_main

        _match_routers_by_prefix()
        _hash_settings_once()
        _migrate_once_per_version()
    return uvicorn_main()


if __name__ == "__main__":
    sys.exit(main())
