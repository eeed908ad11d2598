"""The ``newsflow`` command line.

    newsflow run [SOURCE ...] [--db PATH]   ingest, clean, validate, deduplicate
    newsflow query "SQL" [--db PATH]        read-only SQL on the database
    newsflow search "WORDS" [--db PATH]     BM25 full-text search over title and text
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path

from .settings import DEFAULT_DB_PATH
from .startup import CPU as STARTUP_CPU
from .startup import mark as mark_startup

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

DESCRIPTION = """\
newsflow ingests news articles, cleans them (main text and metadata; boilerplate
and spam removed), validates them with Great Expectations and deduplicates them
(exact copies, near copies, the same story told twice) into a DuckDB file, as one
Prefect flow run.
"""

RUN_EPILOG = """\
sources:
  files and folders (folders are read recursively):
    .txt            a plain-text dump of a page (like the bundled sample)
    .html, .htm     a web page
    .json, .jsonl   objects with "text" or "html", optional "url", "title",
                    "published", "author" (one object per line for .jsonl)
    .warc, .warc.gz web archives: every HTML response record is a document, and
                    every resource/conversion record holding HTML or plain text;
                    the other records are counted in the summary
    any of these gzip-compressed (.gz)
    .urls           a list of URLs, one a line, fetched like URL sources
  http(s):// URLs   a page; an RSS/Atom feed whose entries are fetched; or an XML
                    sitemap (an index, a plain or news sitemap, .xml or .xml.gz)
                    whose pages are fetched (--since DATE skips older entries)
  With no SOURCE the bundled sample articles are used.

fetching politely:
  robots.txt is read once per host and obeyed (Disallow, Crawl-delay); a refused
  URL is quarantined with the rule that refused it (reason robots_disallowed).
  --ignore-robots turns this off: only for your own sites. Feeds and sitemaps are
  polled with conditional GET (ETag / Last-Modified kept in table fetch_state):
  an unchanged one answers 304 and costs nothing. Pages fetched by an earlier run
  are skipped unless --refetch (then also asked conditionally).

where the data goes:
  The DuckDB file (--db, $NEWSFLOW_DB, default data/news.duckdb) holds the tables
  raw_articles, articles, quarantine, duplicates, stories, dq_results and runs,
  and the view articles_unique. Every input document ends in `articles` or in
  `quarantine` with a reason. Running again on the same inputs adds nothing.
  Data Docs (the data-quality report) go to <db folder>/quality/index.html.

querying it afterwards:
  newsflow query "SELECT title, published_date FROM articles_unique"
  newsflow search "north korea munitions"
  newsflow shell                               (the DuckDB shell, read-only, fts loaded)
  .venv/bin/duckdb -readonly data/news.duckdb  (the same shell, plain)
  python -c "import duckdb; print(duckdb.connect('data/news.duckdb', read_only=True).sql('FROM articles'))"

exit status: 0 when the run completed (also when some inputs were quarantined),
1 when the run failed (a run-level check or an error), 2 for a usage error,
143 or 130 when SIGTERM or Ctrl-C stopped it (the run is marked cancelled;
committed batches are kept). With PREFECT_API_URL set, the run shows in that Prefect server's UI, with its
progress per batch in the run's logs (the terminal shows only warnings and errors,
and errors without their tracebacks: NEWSFLOW_TRACEBACKS=1 prints those too).
"""


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db", metavar="PATH", default=None,
        help=f"the DuckDB file (default: $NEWSFLOW_DB or {DEFAULT_DB_PATH})",
    )
    p.add_argument(
        "--storage", choices=("duckdb", "ducklake"), default=None,
        help="one DuckDB file, or a DuckLake (Parquet files and a SQLite catalog beside --db); "
             "default $NEWSFLOW_STORAGE or duckdb",
    )


def _add_deployments_file(p: argparse.ArgumentParser) -> None:
    p.add_argument("--file", default="prefect.yaml", metavar="PATH", help="the deployments file (default prefect.yaml)")
    p.add_argument("--only", metavar="NAME", action="append", help="only this deployment (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsflow", description=DESCRIPTION, epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"newsflow {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run", help="ingest, clean, validate and deduplicate SOURCES into the database",
        description="Run the whole pipeline (ingest, clean, validate, deduplicate) as one Prefect flow run.",
        epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("sources", nargs="*", metavar="SOURCE", help="files, folders or http(s) URLs (default: the bundled sample)")
    _add_db(run)
    run.add_argument("--languages", metavar="LIST", help="keep only these languages (ISO 639-1, comma-separated, e.g. en,de)")
    run.add_argument("--allow-private", action="store_true", help="permit fetching from loopback and private-network addresses (refused by default)")
    run.add_argument("--allow-link-local", action="store_true",
                     help="also permit link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, "
                          "169.254.169.254...), refused even with --allow-private")
    run.add_argument("--refetch", action="store_true", help="fetch URLs again even when an earlier run ingested them "
                     "(conditional GET: unchanged pages answer 304 and add nothing)")
    run.add_argument("--ignore-robots", action="store_true", help="do not read robots.txt (no Disallow, no Crawl-delay): "
                     "only for your own sites")
    run.add_argument("--since", metavar="DATE", help="sitemap entries dated before DATE (YYYY-MM-DD) are not fetched")
    run.add_argument("--wait", action="store_true", help="if another run holds the database, wait for it instead of stopping")
    run.add_argument("--workers", type=int, metavar="N", help="cleaning worker processes (default: CPU count, at most 4)")
    run.add_argument("--batch-size", type=int, metavar="N", help="documents per batch and per transaction (default 2000)")
    run.add_argument("--dask", metavar="ADDRESS", help="run cleaning and signatures on this Dask scheduler (tcp://host:8786); also $NEWSFLOW_DASK_ADDRESS")
    run.add_argument("--json", action="store_true", help="print the summary as JSON instead of text")
    run.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")

    query = sub.add_parser(
        "query", help="run read-only SQL on the database and print the result",
        description="Run read-only SQL on the database. Waits (and says so) while a run holds the file.",
        epilog='example: newsflow query "SELECT language, count(*) FROM articles GROUP BY ALL"',
    )
    query.add_argument("sql", metavar="SQL")
    _add_db(query)
    query.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output format (default table)")
    query.add_argument("--wait", type=float, default=120.0, metavar="SECONDS", help="how long to wait for a busy database (default 120)")
    reprocess = sub.add_parser(
        "reprocess", help="recompute clean, checks and dedup from the stored raw layer",
        description=(
            "Recompute clean, checks and dedup from the raw documents stored in the database, after the "
            "cleaner or the checks changed. Nothing is fetched or read again. Articles and quarantine rows "
            "of the recomputed documents are replaced and dedup is rebuilt over every article, so the result "
            "equals a fresh run over the same inputs."
        ),
        epilog="example: newsflow reprocess --since 2026-11-01",
    )
    reprocess.add_argument("--since", metavar="DATE", help="only documents ingested on or after DATE (YYYY-MM-DD or an ISO timestamp)")
    _add_db(reprocess)
    reprocess.add_argument("--languages", metavar="LIST", help="keep only these languages (ISO 639-1, comma-separated)")
    reprocess.add_argument("--wait", action="store_true", help="if a run holds the database, wait for it")
    reprocess.add_argument("--json", action="store_true", help="print the summary as JSON")
    reprocess.add_argument("--no-progress", action="store_true", help="no progress bar")

    serve = sub.add_parser(
        "serve", help="run the scheduled deployments of prefect.yaml in this process (flow.serve)",
        description=(
            "Serve the deployments declared in prefect.yaml (their schedules and parameters) from this "
            "process, without a work pool. Needs a Prefect server: set PREFECT_API_URL (for example to "
            "http://127.0.0.1:4200/api after `prefect server start`). Stop with Ctrl-C."
        ),
    )
    _add_deployments_file(serve)
    serve.add_argument("--list", action="store_true", help="list the deployments that would be served, then exit")

    deploy = sub.add_parser(
        "deploy", help="register prefect.yaml's deployments with the Prefect server, for a work pool's workers",
        description=(
            "Register the deployments declared in prefect.yaml (schedules, parameters, concurrency limit) with "
            "the Prefect server at PREFECT_API_URL, for the workers of their work pool. Start the workers in this "
            "folder: `prefect worker start --pool newsflow-process`."
        ),
    )
    _add_deployments_file(deploy)
    deploy.add_argument("--pool", metavar="NAME", help="work pool (default: the one prefect.yaml names)")

    shell = sub.add_parser(
        "shell", help="the DuckDB shell (.venv/bin/duckdb) on the database, read-only, full-text search loaded",
        description=(
            "Open the DuckDB command-line shell installed by set-up (.venv/bin/duckdb, the version that reads "
            "the file) on the database, read-only, with full-text search loaded (the fts extension from its "
            "installed package, and the bm25 macro: SELECT * FROM bm25('words')). With SQL, run it and exit."
        ),
        epilog='example: newsflow shell "SELECT title FROM articles_unique LIMIT 5"',
    )
    shell.add_argument("sql", nargs="?", metavar="SQL", help="run this and exit (default: an interactive shell)")
    _add_db(shell)

    search = sub.add_parser(
        "search", help="BM25 full-text search over article titles and texts",
        description="BM25 full-text search over title and text (as DuckDB's fts scores it; each run adds its new "
                    "articles to the index; works on a DuckDB file and on a DuckLake).",
        epilog='example: newsflow search "north korea munitions" --limit 5',
    )
    search.add_argument("words", metavar="WORDS")
    _add_db(search)
    search.add_argument("--limit", type=int, default=10, help="how many results (default 10)")
    search.add_argument("--wait", type=float, default=120.0, metavar="SECONDS", help="how long to wait for a busy database (default 120)")
    return parser


def _settings(args: argparse.Namespace, **overrides):
    """The run's Settings, built once from the command line over the environment."""
    from .settings import Settings

    languages = getattr(args, "languages", None)
    if languages:
        overrides["languages"] = tuple(x.strip().lower() for x in languages.split(",") if x.strip())
    return Settings.from_env(db_path=args.db, storage=getattr(args, "storage", None), **overrides)


DASK_EXTRA_HINT = "pip install -e '.[dask]' (prefect-dask, dask, distributed)"


def _dask_missing() -> str | None:
    """Why --dask cannot work here (its optional extra is not installed), or None."""
    try:
        import prefect_dask  # noqa: F401
    except ImportError as exc:
        return f"--dask needs the optional dask extra, which is not installed ({exc}): {DASK_EXTRA_HINT}"
    return None


def _quiet_prefect_defaults() -> None:
    """A quiet terminal, an informative UI: records still pass at INFO (so the
    per-batch progress reaches the Prefect API and its UI), while the console
    handler shows only warnings and errors. Either can be overridden by setting
    the same variables."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")


def _early_server():
    """Start Prefect's temporary API now, before the heavy imports (see prefect_server.py)."""
    from .prefect_server import EarlyServer

    server = EarlyServer()
    if os.environ.get("NEWSFLOW_EARLY_SERVER", "1") != "0":
        server.start()
    mark_startup("server_started")
    return server


def _start_server():
    from .deferred import defer_unused_prefect
    from .prefect_server import ensure_writable_prefect_home

    ensure_writable_prefect_home()  # before Prefect is imported: it reads PREFECT_HOME once
    _quiet_prefect_defaults()
    defer_unused_prefect()  # before this process imports Prefect (see deferred.py)
    return _early_server()


def _check_users_api() -> int | None:
    """With PREFECT_API_URL set, its server must answer before the run starts: an exit code and a
    message saying what to do when it does not, else None."""
    url = os.environ.get("PREFECT_API_URL")
    if not url:
        return None
    from .prefect_server import api_problem

    problem = api_problem(url)
    if problem is None:
        return None
    print(f"newsflow: error: PREFECT_API_URL={url} {problem}. Start that Prefect server (prefect server start), "
          "correct the URL, or unset PREFECT_API_URL to run with a temporary local API. Nothing was run.",
          file=sys.stderr)
    return EXIT_FAILED


def _hold_run_lock(settings, wait: bool, held: contextlib.ExitStack) -> int | None:
    """Take the run's lock for the whole command, before Prefect starts (runlock.command_lock): a
    second run used to start the temporary API and a flow run (5-10 s) before finding the lock
    taken, and printed Prefect's 30-line traceback above the message. An exit code when the
    command ends here, else None."""
    from .runlock import RunInProgress, command_lock

    def queued(exc: RunInProgress) -> None:
        print(f"newsflow: another newsflow run ({exc.holder}) is writing to {settings.db_path}; "
              "waiting for it to finish (--wait)", file=sys.stderr, flush=True)

    try:
        held.enter_context(command_lock(settings, wait=wait, on_wait=queued))
    except RunInProgress as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # the lock file beside the database cannot be made
        print(f"newsflow: error: cannot create the run lock beside {settings.db_path} ({exc}): "
              "the database's folder must exist or be creatable, and be writable", file=sys.stderr)
        return EXIT_FAILED
    return None


def _prepare_while_server_starts(settings, server) -> None:
    """Start importing Great Expectations and building the suites (1-3 s, in a thread) while the
    Prefect API boots in its own process, then wait for the API, not for them."""
    mark_startup("prefect_imported")
    try:  # what Prefect imports to send the flow run's parameters (else after the API is up)
        import fastapi.encoders  # noqa: F401
    except ImportError:
        pass
    # and what calling a flow imports (0.15 s, graphviz included), while the API is still starting
    import prefect.flow_engine  # noqa: F401
    server.prepare_flow_settings()
    if server.proc is not None:  # GX meanwhile, in a thread: the flow starts as soon as the API answers
        from .quality import start_warm_up

        start_warm_up(settings)
    server.wait_ready()
    mark_startup("api_ready")
    if server.cpu_at_ready is not None:  # on a quiet machine the flow waits for the busier of the two
        STARTUP_CPU["api"] = server.cpu_at_ready
        STARTUP_CPU["main"] = time.process_time()


def cmd_run(args: argparse.Namespace) -> int:
    from .startup import collector_paused

    with contextlib.ExitStack() as held:  # the run lock, from before Prefect starts to the end
        with collector_paused():  # the start-up's imports and checks (see flows/startup.py)
            started = _start_run(args, held)
        if isinstance(started, int):  # a usage error, or a run with nothing new, already done
            return started
        settings, server, call = started
        with server.flow_settings():
            return _run_flow(call, settings, args.json)


def _start_run(args: argparse.Namespace, held: contextlib.ExitStack):
    """Everything before the flow: settings, sources, the temporary API and the imports. Returns
    an exit code when the command ends here, else (settings, server, the flow call)."""
    if args.since:
        from .sources.sitemaps import since_datetime

        try:
            since_datetime(args.since)
        except ValueError as exc:
            print(f"newsflow: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    settings = _settings(args, workers=args.workers, batch_size=args.batch_size, dask_address=args.dask,
                         allow_private=args.allow_private or None, refetch=args.refetch or None,
                         ignore_robots=args.ignore_robots or None, since=args.since or None,
                         allow_link_local=args.allow_link_local or None)
    if settings.dask_address and (missing := _dask_missing()):
        print(f"newsflow: error: {missing}", file=sys.stderr)
        return EXIT_USAGE
    from .settings import SAMPLES_DIR
    from .sources import SourceError, resolve_sources

    sources = args.sources or [str(SAMPLES_DIR)]
    try:
        specs = resolve_sources(sources, settings)
    except SourceError as exc:
        print(f"newsflow: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if (code := _check_users_api()) is not None or (code := _hold_run_lock(settings, args.wait, held)) is not None:
        return code
    server = None
    if specs.urls or not Path(settings.db_path).exists():  # work for certain: the API boots now
        server = _start_server()
    elif not os.environ.get("PREFECT_API_URL") and not settings.dask_address:
        code = _run_if_nothing_new(settings, sources, specs, args)
        if code is not None:
            return code
    server = server or _start_server()
    from .pipeline import flow_for

    flow = flow_for(settings)  # Prefect and the flow's modules, imported while the API boots
    show_progress = sys.stderr.isatty() and not args.no_progress and not args.json
    _prepare_while_server_starts(settings, server)
    from .pipeline.parameters import masked, masked_settings

    # the flow gets the sources and settings as given; Prefect's record of the run, their passwords as ***
    return settings, server, lambda: flow(
        sources=[masked(s) for s in sources], settings=masked_settings(settings), wait_for_lock=args.wait,
        show_progress=show_progress,
    )


def _run_if_nothing_new(settings, sources: list[str], specs, args: argparse.Namespace) -> int | None:
    """Every local document stored already: record the run without Prefect (pipeline/noop.py).
    None when there is work for the flow."""
    from .pipeline.noop import run_if_nothing_new
    from .storage import RunInProgress

    try:
        summary = run_if_nothing_new(settings, sources, wait_for_lock=args.wait, specs=specs)
    except RunInProgress as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        from .signals import received

        if (stop := received(exc)) is not None:  # a signal's stop, reworded on its way (DuckDB: "Query interrupted")
            raise stop from exc
        print(f"newsflow: the run failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        if hint := _storage_hint(exc, settings):
            print(hint, file=sys.stderr)
        return EXIT_FAILED
    if summary is None:
        return None
    _print_result(summary.as_dict(), summary, settings, args.json)
    return EXIT_OK if summary.status == "completed" else EXIT_FAILED


STORAGE_HINTS = (  # (what DuckDB or the OS says, what to do), for the database's own file system
    ("No space left on device", "The disk holding {db} is full: free space on it (df -h {folder}) or pass --db "
                                "a file on another disk, then run again."),
    ("Is a directory", "{db} is a folder: pass --db a file, e.g. {db}/news.duckdb."),
    ("Read-only file system", "{folder} is on a read-only file system: pass --db a file on a writable one."),
    ("Permission denied", "newsflow may not write {db} or its folder: check their owner and permissions, or pass "
                          "--db a file you may write."),
    ("not a valid DuckDB database file", "{db} is not a DuckDB database: pass --db a new file (it is created), "
                                         "or the right one."),
    ("Could not read enough bytes", "{db} is cut short (a copy that did not finish?): restore it from a "
                                    "backup, or pass --db a new file."),
)


def _storage_hint(exc: BaseException, settings) -> str | None:
    """What to do about a failure of the database's file or disk, from its message (else None): the
    run used to end on DuckDB's words alone, e.g. 'Failed to commit: Could not write file
    ".../news.duckdb.wal": No space left on device'."""
    message = str(exc)
    db = Path(settings.db_path)
    for seen, hint in STORAGE_HINTS:
        if seen in message:
            return hint.format(db=db, folder=db.resolve().parent)
    return None


def _open_read_only(args: argparse.Namespace):
    from . import storage

    settings = _settings(args)
    try:
        return storage.connect(
            settings, read_only=True, wait_s=args.wait,
            on_wait=lambda: print(f"newsflow: {settings.db_path} is busy (a run is committing); waiting...",
                                  file=sys.stderr),
        )
    except (FileNotFoundError, storage.DatabaseBusy) as exc:
        print(f"newsflow: error: {exc}", file=sys.stderr)
        return None
    except Exception as exc:  # not a database, cut short, a folder: it was a duckdb traceback
        print(f"newsflow: error: {exc}", file=sys.stderr)
        if hint := _storage_hint(exc, settings):
            print(hint, file=sys.stderr)
        return None


def _print_result(result: dict, summary, settings, as_json: bool) -> None:
    from .pipeline import RunSummary
    from .pipeline.summary import summary_text

    if as_json:
        print(json.dumps(result, indent=2, default=str))
        return
    if summary is None:
        summary = RunSummary.from_dict(result)
    summary.storage = settings.storage
    print(summary_text(summary))


def _run_flow(call, settings, as_json: bool) -> int:
    from .pipeline import RunChecksFailed
    from .storage import RunInProgress
    from .terminal_logs import tracebacks_folded

    summary = None
    try:
        with tracebacks_folded():  # newsflow's message below says what failed; the UI keeps the traceback
            result = call()
    except RunChecksFailed as exc:
        summary, result = exc.summary, exc.summary.as_dict()
    except RunInProgress as exc:
        print(f"newsflow: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        from .signals import received

        if (stop := received(exc)) is not None:  # a signal's stop, reworded on its way (DuckDB: "Query interrupted")
            raise stop from exc
        print(f"newsflow: the run failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        if hint := _storage_hint(exc, settings):
            print(hint, file=sys.stderr)
        print("Committed batches are kept; fix the cause and run again to continue.", file=sys.stderr)
        return EXIT_FAILED
    _print_result(result, summary, settings, as_json)
    return EXIT_OK if result["status"] == "completed" else EXIT_FAILED


def cmd_reprocess(args: argparse.Namespace) -> int:
    import datetime as dt

    since = None
    if args.since:
        try:
            since = dt.datetime.fromisoformat(args.since).isoformat()
        except ValueError:
            print(f"newsflow: error: --since {args.since!r} is not a date (use YYYY-MM-DD)", file=sys.stderr)
            return EXIT_USAGE
    settings = _settings(args)
    if not Path(settings.db_path).exists():
        print(f"newsflow: error: no database at {settings.db_path}: run `newsflow run` first, or pass --db PATH",
              file=sys.stderr)
        return EXIT_USAGE
    with contextlib.ExitStack() as held:
        if (code := _check_users_api()) is not None or (code := _hold_run_lock(settings, args.wait, held)) is not None:
            return code
        server = _start_server()
        from .pipeline import reprocess_flow

        _prepare_while_server_starts(settings, server)
        show_progress = sys.stderr.isatty() and not args.no_progress and not args.json
        with server.flow_settings():
            from .pipeline.parameters import masked_settings

            return _run_flow(lambda: reprocess_flow(since=since, settings=masked_settings(settings),
                                                    wait_for_lock=args.wait, show_progress=show_progress),
                             settings, args.json)


def cmd_serve(args: argparse.Namespace) -> int:
    from .deployments import load_deployments, serve_deployments

    try:
        deployments = load_deployments(Path(args.file), only=args.only)
    except (OSError, ValueError) as exc:
        print(f"newsflow: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.list:
        for d in deployments:
            print(f"{d['name']:<16} {d.get('schedule') or 'on demand':<20} {json.dumps(d['parameters'])}")
        return EXIT_OK
    if not os.environ.get("PREFECT_API_URL"):
        print(
            "newsflow: serve needs a Prefect server to hold the schedules: run `prefect server start`, then "
            "export PREFECT_API_URL=http://127.0.0.1:4200/api", file=sys.stderr,
        )
        return EXIT_USAGE
    serve_deployments(deployments)
    return EXIT_OK


def cmd_deploy(args: argparse.Namespace) -> int:
    from .deployments import apply_deployments, load_deployments

    if not os.environ.get("PREFECT_API_URL"):
        print("newsflow: deploy needs a Prefect server: run `prefect server start`, then "
              "export PREFECT_API_URL=http://127.0.0.1:4200/api", file=sys.stderr)
        return EXIT_USAGE
    try:
        deployments = load_deployments(Path(args.file), only=args.only)
    except (OSError, ValueError) as exc:
        print(f"newsflow: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for d, dep_id in zip(deployments, apply_deployments(deployments, args.pool)):
        print(f"deployed {d['flow_name']}/{d['name']:<14} {dep_id}  "
              f"{d.get('schedule') or 'on demand'}")
    print("Start a worker in this folder: prefect worker start --pool " + (args.pool or deployments[0]["work_pool"]))
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from . import search

    con = _open_read_only(args)
    if con is None:
        return EXIT_FAILED
    try:
        if not search.index_exists(con):
            print("newsflow: no search index yet: run `newsflow run` first (it builds the index).", file=sys.stderr)
            return EXIT_FAILED
        rows = search.search(con, args.words, args.limit).fetchall()
        if not rows:
            indexed, total = search.index_size(con)
            if total and not indexed:
                print("newsflow: the search index is empty: run `newsflow run` with NEWSFLOW_SEARCH_INDEX=1 "
                      "(the default) to build it.", file=sys.stderr)
                return EXIT_FAILED
            print(f"no articles match {args.words!r}")
        for article_id, title, published, source, score, dup_of, snippet in rows:
            print(f"{score:>8.4f}  {published or '----------'}  {title or '(no title)'}")
            print(f"          {source}{'  (duplicate of ' + dup_of + ')' if dup_of else ''}")
            print(f"          {snippet}...")
        sys.stdout.flush()
    except BrokenPipeError:
        return _reader_left()
    finally:
        con.close()
    return EXIT_OK


def duckdb_cli() -> Path:
    """The duckdb shell installed beside this Python (the duckdb-cli package, pinned)."""
    return Path(sys.executable).parent / "duckdb"


def cmd_shell(args: argparse.Namespace) -> int:
    from .storage.extensions import extension_path, quote_literal

    settings = _settings(args)
    path = settings.db_path
    if settings.storage == "ducklake":
        print("newsflow: error: the shell opens a DuckDB file; with storage=ducklake use `newsflow query`",
              file=sys.stderr)
        return EXIT_USAGE
    if not Path(path).exists():
        print(f"newsflow: error: no database at {path}: run `newsflow run` first, or pass --db PATH", file=sys.stderr)
        return EXIT_USAGE
    exe = duckdb_cli()
    if not exe.exists():
        print(f"newsflow: error: {exe} is missing: run `make setup` (it installs the duckdb-cli package)",
              file=sys.stderr)
        return EXIT_FAILED
    from .storage.sqlfiles import load_sql

    argv = [str(exe), "-readonly", path, "-cmd", f"LOAD '{quote_literal(str(extension_path('fts')))}'",
            "-cmd", load_sql("queries/search/bm25")]
    if args.sql:
        argv += ["-c", args.sql]
    sys.stdout.flush()
    os.execv(argv[0], argv)  # the shell takes over the terminal; never returns


def cmd_query(args: argparse.Namespace) -> int:
    con = _open_read_only(args)
    if con is None:
        return EXIT_FAILED
    try:
        rel = con.sql(args.sql)
        if rel is None:
            return EXIT_OK
        if args.format == "csv":
            import csv

            w = csv.writer(sys.stdout)
            w.writerow(rel.columns)
            w.writerows(rel.fetchall())
        elif args.format == "json":
            cols = rel.columns
            for row in rel.fetchall():
                print(json.dumps(dict(zip(cols, row)), default=str, ensure_ascii=False))
        else:
            rel.show(max_rows=100, max_width=200)
        sys.stdout.flush()
    except BrokenPipeError:
        return _reader_left()
    except Exception as exc:
        print(f"newsflow: query failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        con.close()
    return EXIT_OK


def _reader_left() -> int:
    """The reader of our output closed the pipe (``newsflow query ... | head``): what it read is
    what it wanted, as with any Unix filter. Point stdout at /dev/null so the final flush does
    not fail again, and exit quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_OK


IN_CONSOLE = False  # set by the command: a run's start-up is then this process's age


def console() -> None:
    """The ``newsflow`` command (and ``python -m flows``): ``main``, then ``exit_now``."""
    global IN_CONSOLE
    IN_CONSOLE = True
    exit_now(main())


def exit_now(code: int) -> None:
    """Exit as a normal exit does (threads joined, atexit handlers run: Prefect's log and event
    workers flush, the temporary API stops, logging flushes), without the interpreter's
    teardown of every module and object afterwards: with Prefect, Great Expectations and
    pandas loaded that took 1-4 s of a run's wall time, for nothing anyone sees."""
    import atexit
    import threading

    threading._shutdown()  # what the interpreter does first at exit: wait for non-daemon threads
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (newsflow query | head)
            pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    handler = {
        "run": cmd_run, "query": cmd_query, "search": cmd_search, "reprocess": cmd_reprocess, "serve": cmd_serve,
        "deploy": cmd_deploy, "shell": cmd_shell,
    }.get(args.command)
    if handler is None:  # pragma: no cover
        parser.error(f"unknown command {args.command}")
    if args.command in ("run", "reprocess"):
        from .signals import install

        install()  # SIGTERM and SIGINT end the run cleanly (flows/signals.py)
    from .settings import SettingsError

    try:
        return handler(args)
    except SettingsError as exc:  # a NEWSFLOW_* variable or an option the settings cannot take
        print(f"newsflow: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        from .signals import exit_code

        print(f"newsflow: {exc or 'interrupted'}; committed batches are kept, run again to continue.",
              file=sys.stderr)
        return exit_code(exc)
