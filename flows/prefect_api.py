"""The temporary Prefect API's process (prefect_server.py starts it): Prefect's own app under
uvicorn, as Prefect's ephemeral mode runs it, with its imports done first and the garbage collector
paused meanwhile.

Importing Prefect's server (FastAPI, SQLAlchemy and some thousand pydantic models) is 2.5-3 s of
CPU, the longest step before a run's flow can start; about 15% of it is the collector walking the
objects the imports create, which are all kept. They are then frozen (never walked again) and
uvicorn is run with the command line it was given.
"""
from __future__ import annotations

import sys

from flows.startup import collector_paused


def main() -> int:
    with collector_paused():
        import prefect.server.api.server  # noqa: F401  (the app factory uvicorn is given)
        from uvicorn.main import main as uvicorn_main
    return uvicorn_main()


if __name__ == "__main__":
    sys.exit(main())
