"""The Prefect flows: ingest (``newsflow``) and reprocess (``newsflow-reprocess``).

Settings are built once: by the CLI (passed in as ``settings``) or, for a
deployment, from the flow's parameters over the ``NEWSFLOW_*`` environment
(``Settings.from_env``); then passed down to every task. The flow run id is
the ``run_id`` of every row.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterator

from prefect import flow

from ..records import RawDocument
from ..settings import SAMPLES_DIR, Settings
from ..storage import transaction
from ..storage.raw import load_raw_documents, reset_for_reprocess
from .batches import batched, batched_documents, process_batches
from .parameters import revealed, revealed_settings
from .run import RunSummary, execute_run
from .stages import add_numbers, fetch
from .tasks import rebuild_dedup_task

FLOW_NAME = "newsflow"


def run_settings(settings: Settings | None = None, **params) -> Settings:
    """The run's settings: the caller's, or built from the flow's parameters (None: not given)."""
    if settings is not None:
        return revealed_settings(settings)  # passwords the command masked for Prefect's record (parameters.py)
    languages = params.pop("languages", None)
    return Settings.from_env(languages=tuple(languages) if languages else None,
                             **{k: (v or None) for k, v in params.items()})


def _documents(settings: Settings, sources: list[str], summary: RunSummary, state=None) -> Iterator[RawDocument]:
    """Every document of the run: fetched pages first, then local files, streamed."""
    from ..sources import iter_local_documents, resolve_sources

    specs = resolve_sources(sources, settings)
    stats: Counter = Counter()
    if specs.urls:  # streamed, not a task: a feed's pages go to their batches as they arrive
        yield from fetch(specs.urls, settings, stats, state)
    yield from iter_local_documents(specs.local, settings, stats=stats, refused=specs.refused)
    add_numbers(summary.counts, stats, prefix="source_")
    if specs.skipped:
        summary.counts["source_skipped_unknown_type"] += len(specs.skipped)
    if specs.special:  # FIFOs, devices, sockets: never opened
        summary.counts["source_skipped_special_files"] += len(specs.special)


@flow(name=FLOW_NAME, log_prints=True, validate_parameters=False)
def newsflow_flow(
    sources: list[str] | None = None,
    db_path: str | None = None,
    languages: list[str] | None = None,
    allow_private: bool = False,
    refetch: bool = False,
    wait_for_lock: bool = False,
    show_progress: bool = False,
    workers: int | None = None,
    batch_size: int | None = None,
    dask_address: str | None = None,
    storage: str | None = None,
    ignore_robots: bool = False,
    since: str | None = None,
    settings: Settings | None = None,
    allow_link_local: bool = False,
) -> dict:
    """Ingest SOURCES (files, folders, URLs; the bundled sample when empty) into the DuckDB file.

    ``since``: sitemap entries dated before it are not fetched; ``ignore_robots``: for one's own sites."""
    settings = run_settings(settings, db_path=db_path, languages=languages, allow_private=allow_private,
                            refetch=refetch, workers=workers, batch_size=batch_size, dask_address=dask_address,
                            storage=storage, ignore_robots=ignore_robots, since=since,
                            allow_link_local=allow_link_local)
    sources = [str(revealed(s)) for s in (sources or [SAMPLES_DIR])]  # Masked: see pipeline/parameters.py

    def work(summary: RunSummary, cleaner, progress) -> None:
        from ..sources.fetch_state import FetchState, save

        state = FetchState()
        batches = batched_documents(_documents(settings, sources, summary, state), settings.batch_size,
                                    settings.batch_bytes, settings.unread_batch_size)
        process_batches(batches, settings, summary.run_id, cleaner, summary, progress.advance)
        if state:  # only now: every batch is committed, so no validator points at an unstored document
            with transaction(settings, migrate=False) as con:
                save(con, state, summary.run_id)

    return execute_run(settings, "ingest", sources, None, wait_for_lock, show_progress, work)


@flow(name="newsflow-reprocess", log_prints=True, validate_parameters=False)
def reprocess_flow(
    since: str | None = None,
    db_path: str | None = None,
    languages: list[str] | None = None,
    wait_for_lock: bool = False,
    show_progress: bool = False,
    workers: int | None = None,
    batch_size: int | None = None,
    storage: str | None = None,
    settings: Settings | None = None,
) -> dict:
    """Recompute clean, checks and dedup from the stored raw layer (all of it, or what was ingested since SINCE).

    Use it after the cleaner or the checks change: nothing is fetched or read
    again. Articles and quarantine rows of the recomputed documents are
    replaced; dedup is rebuilt over every article, in the order they arrived
    (kept in dedup_prior_order meanwhile), so the result equals a fresh run over
    the same inputs."""
    settings = run_settings(settings, db_path=db_path, languages=languages, workers=workers, batch_size=batch_size,
                            storage=storage)
    if not Path(settings.db_path).exists():
        raise FileNotFoundError(f"No database at {settings.db_path}: nothing to reprocess.")

    def work(summary: RunSummary, cleaner, progress) -> None:
        # Kill-safe at any point: each batch replaces its own articles and quarantine rows in the
        # transaction that stores the new ones; the emptied dedup tables are noted in pending_work
        # in the transaction that empties them (the next run rebuilds them if this one dies).
        with transaction(settings, migrate=False) as con:
            raw_ids = reset_for_reprocess(con, since, summary.run_id)
        summary.counts["reprocessed"] = len(raw_ids)
        batches = (load_raw_documents(settings, ids) for ids in batched(raw_ids, settings.batch_size))
        process_batches(batches, settings, summary.run_id, cleaner, summary, progress.advance, reprocess=True)
        add_numbers(summary.counts, rebuild_dedup_task(settings, summary.run_id), prefix="dedup_")

    return execute_run(settings, "reprocess", [f"reprocess since {since}" if since else "reprocess all"], since,
                       wait_for_lock, show_progress, work)
