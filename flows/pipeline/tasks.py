"""The Prefect tasks: one per stage per batch, each a thin call into the stage's own module.

Stages are imported when a task runs (Great Expectations costs 3 s, and a
Dask worker imports only what its task needs). Database stages get one short
write transaction each; the schema was brought up to date once, at the start
of the run. Where a batch is cleaned and signed (this process or a Dask
cluster) is decided in one place: ``execution_for``.
"""
from __future__ import annotations

import importlib

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote  # batches go to tasks as they are: no walk over every record

from ..records import Article, RawDocument
from ..settings import Settings
from ..storage import transaction


def _call(target: str):
    """``module:function`` (relative to ``flows``), imported at call time."""
    module, name = target.split(":")
    return getattr(importlib.import_module(f"flows.{module}"), name)


def stage_task(name: str, target: str, doc: str, in_transaction: bool = False, **options):
    """A task named ``name`` that calls ``target``; with ``in_transaction`` the first
    argument is the run's Settings and the function gets a write connection before it."""

    def run(*args, **kwargs):
        fn = _call(target)
        if not in_transaction:
            return fn(*args, **kwargs)
        with transaction(args[0], migrate=False) as con:
            return fn(con, *args, **kwargs)

    run.__name__ = run.__qualname__ = name.replace("-", "_") + "_task"
    run.__doc__ = doc
    return task(name=name, cache_policy=NO_CACHE, **options)(run)


check_raw_task = stage_task("check-raw", "quality:check_raw", "Raw-stage checks of a batch.")
check_clean_task = stage_task("check-clean", "quality:check_clean", "Clean-stage checks of a batch.")
clean_chunk_task = stage_task(
    "clean-chunk", "clean:clean_on_dask_worker",
    "Clean a share of a batch on a Dask worker, in a child process with the per-document time limit.")
signatures_task = stage_task("signatures", "dedup:compute_signatures", "MinHash signatures of a batch on a Dask worker.")
data_docs_task = stage_task("data-docs", "pipeline.stages:data_docs", "Build the Data Docs site.")
store_and_dedup_task = stage_task(
    "store-and-dedup", "pipeline.stages:store_and_dedup_in_memory",
    "One transaction: raw rows, articles, quarantine, check results, then dedup against the stored corpus.")
check_dedup_and_run_task = stage_task(
    "check-dedup-and-run", "pipeline.stages:check_dedup_and_run",
    "Dedup invariants and run-level reconciliation, on the committed tables.", in_transaction=True)
search_index_task = stage_task(
    "search-index", "pipeline.stages:search_index", "Bring the BM25 index up to date after a load.")
rebuild_dedup_task = stage_task(
    "rebuild-dedup", "pipeline.stages:rebuild_dedup", "Dedup every stored article again, in ingestion order.")


@task(name="clean", cache_policy=NO_CACHE)
def clean_task(docs: list[RawDocument], cleaner, progress=None) -> list:
    """Clean a batch in this process's worker pool."""
    return cleaner.clean(docs, progress)


class LocalExecution:
    """Cleaning in this process's worker pool, which also signs the articles for dedup."""

    def flow(self, flow_fn):
        return flow_fn

    def prepare_cleaning(self, docs: list[RawDocument], cleaner) -> None:
        cleaner.prepare(docs)  # the worker processes boot while the batch is checked

    def start_cleaning(self, docs: list[RawDocument], settings: Settings, cleaner, progress):
        return clean_task.submit(quote(docs), cleaner, progress)

    def signatures(self, articles: list[Article], settings: Settings, clock, fingerprints: dict | None = None):
        """From the fingerprints the cleaning workers computed (the rest signed here), or
        None: the dedup stage signs the batch itself."""
        if not fingerprints:
            return None
        from ..dedup.signatures import signatures_from_parts

        with clock("signatures"):
            return signatures_from_parts(articles, fingerprints, settings)


class DaskExecution:
    """Cleaning and signatures on a Dask cluster's workers (prefect-dask's DaskTaskRunner)."""

    def __init__(self, address: str):
        self.address = address

    def flow(self, flow_fn):
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:
            raise RuntimeError(f"a Dask address is set but prefect-dask is not installed: "
                               f"pip install -e '.[dask]' ({exc})") from None
        return flow_fn.with_options(task_runner=DaskTaskRunner(address=self.address))

    def prepare_cleaning(self, docs: list[RawDocument], cleaner) -> None:
        pass

    def start_cleaning(self, docs: list[RawDocument], settings: Settings, cleaner, progress):
        """Split the batch across the workers; the results keep the input order."""
        size = max(1, -(-len(docs) // 8))
        futures = [clean_chunk_task.submit(docs[i:i + size], settings) for i in range(0, len(docs), size)]
        out: list = []
        for f in futures:
            part = f.result()
            out.extend(part)
            if progress:
                progress(len(part))
        return out

    def signatures(self, articles: list[Article], settings: Settings, clock, fingerprints: dict | None = None):
        with clock("signatures"):
            return signatures_task.submit(articles, settings).result()  # no quote(): it does not survive Dask


def execution_for(settings: Settings) -> LocalExecution | DaskExecution:
    """The one place that decides between this process and a Dask cluster."""
    return DaskExecution(settings.dask_address) if settings.dask_address else LocalExecution()


def flow_for(settings: Settings, flow_fn=None):
    """The flow to run: on a Dask cluster when an address is set."""
    from .flows import newsflow_flow

    return execution_for(settings).flow(flow_fn or newsflow_flow)
