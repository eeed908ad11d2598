"""The temporary Prefect API's process (prefect_server.py starts it): Prefect's own app under
uvicorn, as Prefect's ephemeral mode runs it, with its imports done first and the garbage collector
paused meanwhile.

Importing Prefect's server (FastAPI, SQLAlchemy and some thousand pydantic models) is 2.5-3 s of
CPU, the longest step before a run's flow can start; about 15% of it is the collector walking the
objects the imports create, which are all kept. They are then frozen (never walked again) and
uvicorn is run with the command line it was given. FastAPI is told to skip the routers a request
cannot be for before it builds them (``_match_routers_by_prefix``): the first request no longer
builds all of Prefect's routes, and the settings' cache key is computed once, not twice.
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


def main() -> int:
    with collector_paused():
        import prefect.server.api.server  # noqa: F401  (the app factory uvicorn is given)
        from uvicorn.main import main as uvicorn_main

        _match_routers_by_prefix()
        _hash_settings_once()
    return uvicorn_main()


if __name__ == "__main__":
    sys.exit(main())
