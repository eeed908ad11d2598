"""The Prefect flow: ingest -> clean -> validate -> deduplicate, batch by batch.

One task per stage per batch (never per article): a task run costs
milliseconds, the per-article work is plain Python inside the tasks, in
worker processes where it is CPU-bound. Each batch is committed in one short
transaction, so people can query between batches and a killed run loses at
most the batch in flight. The flow run id is the ``run_id`` of every row.
"""
from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote  # batches go to tasks as they are: no walk over every record

from . import __version__, db
from .clean import Cleaner
from .records import Article, RawDocument, Rejection, unpack
from .settings import SAMPLES_DIR, Settings
from .sources import error_reason
from .store import known_raw_ids, store_batch

FLOW_NAME = "newsflow"


@dataclass
class RunSummary:
    """What a run did, for the terminal, the runs row and the artifacts."""

    run_id: str
    db_path: str
    status: str = "running"
    kind: str = "ingest"  # ingest | reprocess
    counts: Counter = field(default_factory=Counter)
    rejected_by_reason: Counter = field(default_factory=Counter)
    checks_passed: int = 0
    checks_failed: list = field(default_factory=list)  # (stage, check, severity, observed)
    data_docs: str | None = None
    seconds: float = 0.0
    message: str = ""
    timings: Counter = field(default_factory=Counter)  # seconds per stage, summed over batches
    seen_raw: set = field(default_factory=set, repr=False)  # raw ids taken up by this run

    @contextlib.contextmanager
    def clock(self, stage: str):
        """Time a stage (task call included) into ``timings``."""
        t = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] += time.perf_counter() - t

    def as_dict(self) -> dict:
        return {
            "run_id": self.run_id, "db_path": self.db_path, "status": self.status, "kind": self.kind,
            "counts": dict(self.counts), "rejected_by_reason": dict(self.rejected_by_reason),
            "checks_passed": self.checks_passed, "checks_failed": [list(c) for c in self.checks_failed],
            "data_docs": self.data_docs, "seconds": round(self.seconds, 2), "message": self.message,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def batched(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def batched_documents(docs: Iterable[RawDocument], size: int, max_bytes: int) -> Iterator[list[RawDocument]]:
    """Batches of at most ``size`` documents and about ``max_bytes`` of content (HTML
    pages are large: a count alone would let memory grow with page size)."""
    batch: list[RawDocument] = []
    held = 0
    for doc in docs:
        batch.append(doc)
        held += len(doc.content)
        if len(batch) >= size or held >= max_bytes:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


# --------------------------------------------------------------------------- tasks


@task(name="fetch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
def fetch_task(urls: list[str], settings: Settings, stats: Counter) -> list[RawDocument]:
    """Fetch pages and feeds (I/O overlapped inside); failures come back as documents with an error.

    URLs fetched by earlier runs (the ledger) are skipped unless --refetch."""
    from .sources import fetch_documents

    known: set[str] = set()
    if not settings.refetch and Path(settings.db_path).exists():
        con = db.connect(settings.db_path, read_only=True)
        try:
            known = {row[0] for row in con.execute(db.load_sql("queries/known_sources")).fetchall()}
        finally:
            con.close()
    return fetch_documents(urls, settings, seen=known.__contains__, stats=stats)


@task(name="check-raw", cache_policy=NO_CACHE)
def check_raw_task(docs: list[RawDocument], settings: Settings, batch: int):
    from .quality import check_raw

    return check_raw(docs, settings, batch)


@task(name="clean", cache_policy=NO_CACHE)
def clean_task(docs: list[RawDocument], cleaner: Cleaner, progress=None) -> list[Article | Rejection]:
    return cleaner.clean(docs, progress)


@task(name="clean-chunk", cache_policy=NO_CACHE)
def clean_chunk_task(docs: list[RawDocument], settings: Settings) -> list[Article | Rejection]:
    """Clean a share of a batch on a Dask worker (scale-out)."""
    from .clean import clean_in_process

    return clean_in_process(docs, settings)


@task(name="signatures", cache_policy=NO_CACHE)
def signatures_task(articles: list[Article], settings: Settings):
    """MinHash signatures of a batch on a Dask worker (scale-out)."""
    from .dedup import compute_signatures

    return compute_signatures(articles, settings)


def clean_on_dask(docs: list[RawDocument], settings: Settings, progress=None) -> list[Article | Rejection]:
    """Split a batch across the Dask cluster's workers; results keep the input order."""
    size = max(1, -(-len(docs) // 8))
    futures = [clean_chunk_task.submit(docs[i:i + size], settings) for i in range(0, len(docs), size)]
    out: list = []
    for f in futures:
        part = f.result()
        out.extend(part)
        if progress:
            progress(len(part))
    return out


@task(name="check-clean", cache_policy=NO_CACHE)
def check_clean_task(articles: list[Article], settings: Settings, batch: int):
    from .quality import check_clean

    return check_clean(articles, settings, batch)


@task(name="store-and-dedup", cache_policy=NO_CACHE)
def store_and_dedup_task(
    settings: Settings, run_id: str, docs: list[RawDocument], articles: list[Article],
    rejections: list[Rejection], results: list, batch: int, dedup: bool = True, signatures=None,
) -> dict:
    """One transaction: raw rows, articles, quarantine, check results, then dedup against the stored corpus."""
    from .dedup import dedup_batch

    with db.transaction(settings.db_path) as con:
        store_batch(con, run_id, docs, articles, rejections, results, batch)
        report = dedup_batch(con, articles, run_id, settings, signatures) if articles and dedup else None
    return report.as_dict() if report is not None else {}


@task(name="check-dedup-and-run", cache_policy=NO_CACHE)
def check_dedup_and_run_task(settings: Settings, run_id: str) -> list:
    """Dedup invariants and run-level reconciliation, on the committed tables."""
    from .quality import check_dedup, check_run
    from .store import dq_table

    with db.transaction(settings.db_path) as con:
        results = list(check_dedup(con, run_id, settings).results) + list(check_run(con, run_id, settings))
        if results:
            db.insert_arrow(con, "queries/insert_dq_results", dq_table(results, None), {"run_id": run_id})
    return results


@task(name="data-docs", cache_policy=NO_CACHE)
def data_docs_task(settings: Settings) -> str | None:
    from .quality import build_data_docs

    path = build_data_docs(settings)
    return str(path) if path else None


@task(name="search-index", cache_policy=NO_CACHE)
def search_index_task(settings: Settings) -> None:
    """Bring the BM25 index up to date after a load (DuckDB's fts index does not follow table
    changes): new articles are appended; a full rebuild only when articles were replaced."""
    from .search import update_index

    with db.transaction(settings.db_path) as con:
        update_index(con)


# --------------------------------------------------------------------------- flow


def current_run_id() -> str:
    from prefect.runtime import flow_run

    rid = flow_run.get_id()
    return str(rid) if rid else str(uuid.uuid4())


def _record(summary: RunSummary, outcome) -> None:
    for r in outcome.results:
        if r.success:
            summary.checks_passed += 1
        else:
            summary.checks_failed.append((r.stage, r.check_name, r.severity, r.observed))


@dataclass
class PreparedBatch:
    """A batch after the raw stage: what is new, what was rejected, what goes to cleaning."""

    batch_no: int
    read: int
    new: list[RawDocument]
    to_clean: list[RawDocument]
    rejections: list[Rejection]
    results: list


def prepare_batch(
    docs: list[RawDocument], batch_no: int, settings: Settings, summary: RunSummary, progress=None,
    reprocess: bool = False,
) -> PreparedBatch:
    """Skip what is stored (or was seen earlier in this run), then run the raw checks.

    With ``reprocess`` the documents come from the raw layer itself: nothing is skipped."""
    counts = summary.counts
    counts["read"] += len(docs)
    unique: dict[str, RawDocument] = {}
    for d in docs:
        if d.raw_id not in summary.seen_raw:
            unique.setdefault(d.raw_id, d)
    known: set[str] = set()
    if not reprocess and unique and Path(settings.db_path).exists():
        con = db.connect(settings.db_path, read_only=True)
        try:
            known = known_raw_ids(con, list(unique))
        finally:
            con.close()
    new = [d for rid, d in unique.items() if rid not in known]
    summary.seen_raw.update(d.raw_id for d in new)
    counts["already_stored"] += len(docs) - len(new)
    if progress and len(docs) > len(new):
        progress(len(docs) - len(new))
    prepared = PreparedBatch(batch_no, len(docs), new, [], [], [])
    if not new:
        return prepared
    counts["new"] += len(new)
    with summary.clock("check_raw"):
        raw_outcome = check_raw_task(quote(new), settings, batch_no)
    _record(summary, raw_outcome)
    prepared.results.extend(raw_outcome.results)
    for d in new:
        if d.error:  # the source could not be read whole: say so in the source's own words
            prepared.rejections.append(Rejection(d.raw_id, d.source, "ingest", error_reason(d.error), d.error))
        elif d.raw_id in raw_outcome.rejected:
            check, observed = raw_outcome.rejected[d.raw_id]
            prepared.rejections.append(Rejection(d.raw_id, d.source, "raw", check, observed))
        else:
            prepared.to_clean.append(d)
            continue
        if progress:
            progress(1)
    return prepared


def finish_batch(
    prepared: PreparedBatch, cleaned: list[Article | Rejection], settings: Settings, run_id: str,
    summary: RunSummary, reprocess: bool = False,
) -> None:
    """Check the cleaned articles, then store everything and dedup in one transaction."""
    if not prepared.new:
        get_run_logger().info("batch %d: %d documents, all stored already", prepared.batch_no, prepared.read)
        return
    counts, clock = summary.counts, summary.clock
    rejections, results, batch_no = prepared.rejections, prepared.results, prepared.batch_no
    articles = [c for c in cleaned if isinstance(c, Article)]
    rejections.extend(c for c in cleaned if isinstance(c, Rejection))
    counts["cleaned"] += len(articles)

    with clock("check_clean"):
        clean_outcome = check_clean_task(quote(articles), settings, batch_no) if articles else None
    if clean_outcome is not None:
        _record(summary, clean_outcome)
        results.extend(clean_outcome.results)
        kept = []
        for a in articles:
            if a.raw_id in clean_outcome.rejected:
                check, observed = clean_outcome.rejected[a.raw_id]
                rejections.append(Rejection(a.raw_id, a.source, "validate", check, observed))
                continue
            a.warnings = sorted(set(a.warnings) | set(clean_outcome.warnings.get(a.raw_id, [])))
            kept.append(a)
        articles = kept

    signatures = None
    if settings.dask_address and articles and not reprocess:
        with clock("signatures"):
            signatures = signatures_task.submit(articles, settings).result()  # no quote(): it does not survive Dask

    with clock("store_and_dedup"):
        report = store_and_dedup_task(settings, run_id, quote(prepared.new), quote(articles), quote(rejections),
                                      quote(results), batch_no, dedup=not reprocess, signatures=quote(signatures))
    counts["articles"] += len(articles)
    counts["quarantined"] += len(rejections)
    for r in rejections:
        summary.rejected_by_reason[f"{r.stage}: {r.reason}"] += 1
    for key, value in (report or {}).items():
        if isinstance(value, (int, float)):
            counts[f"dedup_{key}"] += value
    get_run_logger().info(
        "batch %d: %d read, %d new, %d articles, %d quarantined, dedup %s",
        batch_no, prepared.read, len(prepared.new), len(articles), len(rejections), report,
    )


def process_batches(
    batches: Iterable[list[RawDocument]], settings: Settings, run_id: str, cleaner: Cleaner,
    summary: RunSummary, progress=None, reprocess: bool = False,
) -> None:
    """Run the batches through the stages, cleaning batch k+1 in the worker processes
    while batch k is checked, stored and deduplicated here (a two-stage pipeline)."""
    pending: tuple[PreparedBatch, object] | None = None  # a batch whose cleaning is under way

    def start_cleaning(prepared: PreparedBatch):
        if not prepared.to_clean:
            return []
        if settings.dask_address:
            return clean_on_dask(prepared.to_clean, settings, progress)
        return clean_task.submit(quote(prepared.to_clean), cleaner, progress)

    def wait(future) -> list:
        if isinstance(future, list):
            return future
        with summary.clock("clean_wait"):
            return future.result()

    for batch_no, docs in enumerate(batches):
        prepared = prepare_batch(docs, batch_no, settings, summary, progress, reprocess)
        cleaned_before = wait(pending[1]) if pending else None
        future = start_cleaning(prepared)
        if pending:
            finish_batch(pending[0], cleaned_before, settings, run_id, summary, reprocess)
        pending = (prepared, future)
    if pending:
        finish_batch(pending[0], wait(pending[1]), settings, run_id, summary, reprocess)


def _documents(settings: Settings, sources: list[str], summary: RunSummary) -> Iterator[RawDocument]:
    """Every document of the run: fetched pages first, then local files, streamed."""
    from .sources import iter_local_documents, resolve_sources

    specs = resolve_sources(sources, settings)
    stats: Counter = Counter()
    if specs.urls:
        yield from fetch_task(specs.urls, settings, stats)
    yield from iter_local_documents(specs.local, settings, stats=stats)
    for key, value in stats.items():
        summary.counts[f"source_{key}"] += value
    if specs.skipped:
        summary.counts["source_skipped_unknown_type"] += len(specs.skipped)


def _finish(settings: Settings, summary: RunSummary) -> None:
    with db.transaction(settings.db_path) as con:
        totals = con.execute(db.load_sql("queries/run_totals"), {"run_id": summary.run_id}).fetchone()
        n_dups = totals[3]
        summary.counts["duplicates"] = n_dups
        con.execute(db.load_sql("queries/run_finish"), {
            "run_id": summary.run_id, "status": summary.status, "n_read": summary.counts["read"],
            "n_new": totals[0], "n_articles": totals[1], "n_quarantined": totals[2], "n_duplicates": n_dups,
            "counts": json.dumps(summary.as_dict()), "message": summary.message,
        })


@flow(name=FLOW_NAME, log_prints=True, validate_parameters=False)
def newsflow_flow(
    sources: list[str] | None = None,
    db_path: str | None = None,
    languages: list[str] | None = None,
    allow_private: bool = False,
    refetch: bool = False,
    wait_for_lock: bool = False,
    show_progress: bool = False,
) -> dict:
    """Ingest SOURCES (files, folders, URLs; the bundled sample when empty) into the DuckDB file."""
    settings = Settings.from_env(
        db_path=db_path, languages=tuple(languages) if languages else None,
        allow_private=allow_private or None, refetch=refetch or None,
    )
    sources = [str(s) for s in (sources or [SAMPLES_DIR])]

    def work(summary: RunSummary, cleaner: Cleaner, progress) -> None:
        batches = batched_documents(_documents(settings, sources, summary), settings.batch_size, settings.batch_bytes)
        process_batches(batches, settings, summary.run_id, cleaner, summary, progress.advance)

    return _execute_run(settings, "ingest", sources, None, wait_for_lock, show_progress, work)


@flow(name="newsflow-reprocess", log_prints=True, validate_parameters=False)
def reprocess_flow(
    since: str | None = None,
    db_path: str | None = None,
    languages: list[str] | None = None,
    wait_for_lock: bool = False,
    show_progress: bool = False,
) -> dict:
    """Recompute clean, checks and dedup from the stored raw layer (all of it, or what was ingested since SINCE).

    Use it after the cleaner or the checks change: nothing is fetched or read
    again. Articles and quarantine rows of the recomputed documents are
    replaced; dedup is rebuilt over every article, so the result equals a
    fresh run over the same inputs."""
    settings = Settings.from_env(db_path=db_path, languages=tuple(languages) if languages else None)
    if not Path(settings.db_path).exists():
        raise FileNotFoundError(f"No database at {settings.db_path}: nothing to reprocess.")

    def work(summary: RunSummary, cleaner: Cleaner, progress) -> None:
        with db.transaction(settings.db_path) as con:
            raw_ids = [r[0] for r in con.execute(db.load_sql("queries/reprocess_raw_ids"), {"since": since}).fetchall()]
            db.execute_script(con, "queries/reprocess_reset", {"since": since})
            db.execute_script(con, "queries/dedup_reset")
        summary.counts["reprocessed"] = len(raw_ids)
        batches = (load_raw_documents(settings, ids) for ids in batched(raw_ids, settings.batch_size))
        process_batches(batches, settings, summary.run_id, cleaner, summary, progress.advance, reprocess=True)
        for key, value in rebuild_dedup_task(settings, summary.run_id).items():
            summary.counts[f"dedup_{key}"] += value

    return _execute_run(settings, "reprocess", [f"reprocess since {since}" if since else "reprocess all"], since,
                        wait_for_lock, show_progress, work)


def load_raw_documents(settings: Settings, raw_ids: list[str]) -> list[RawDocument]:
    """Stored raw documents, rebuilt as they were read (same ids, bytes and hints)."""
    import pyarrow as pa

    con = db.connect(settings.db_path)
    try:
        con.register("batch", pa.table({"raw_id": pa.array(raw_ids, pa.string())}))
        rows = con.execute(db.load_sql("queries/raw_documents")).fetchall()
    finally:
        con.close()
    return [
        RawDocument(
            source=source, kind=kind, content=unpack(content, encoding, size), url=url, fetched_at=fetched_at,
            hints=json.loads(hints) if hints else {}, error=read_error, content_type=content_type,
            content_hash=content_hash, raw_id=raw_id,
        )
        for raw_id, source, kind, url, content_hash, content, encoding, size, content_type, hints, read_error,
        fetched_at in rows
    ]



@task(name="rebuild-dedup", cache_policy=NO_CACHE)
def rebuild_dedup_task(settings: Settings, run_id: str) -> Counter:
    """Dedup every stored article again, in ingestion order, a batch per transaction."""
    from .dedup import dedup_batch

    totals: Counter = Counter()
    offset = 0
    while True:
        with db.transaction(settings.db_path) as con:
            rows = con.execute(db.load_sql("queries/articles_in_order"),
                               {"limit": settings.batch_size, "offset": offset}).fetchall()
            if not rows:
                break
            articles = [
                Article(article_id=r[0], raw_id=r[1], source=r[2], url=r[3], title=r[4], author=r[5],
                        published_date=r[6], language=r[7], text=r[8], word_count=r[9], site_name=r[10],
                        extractor=r[11] or "")
                for r in rows
            ]
            report = dedup_batch(con, articles, run_id, settings)
        offset += len(rows)
        for key, value in report.as_dict().items():
            if isinstance(value, (int, float)):
                totals[key] += value
    return totals


def _execute_run(settings: Settings, kind: str, sources: list[str], since, wait_for_lock: bool,
                 show_progress: bool, work) -> dict:
    """Bookkeeping shared by every kind of run: the lock, the runs row, checks, Data Docs, artifacts."""
    logger = get_run_logger()
    run_id = current_run_id()
    started = time.monotonic()
    summary = RunSummary(run_id=run_id, db_path=str(Path(settings.db_path).resolve()), kind=kind)
    with db.run_lock(settings.db_path, wait=wait_for_lock):
        with db.transaction(settings.db_path) as con:
            con.execute(db.load_sql("queries/run_mark_crashed"), {"run_id": run_id})
            con.execute(db.load_sql("queries/run_start"), {
                "run_id": run_id, "sources": sources, "code_version": __version__, "kind": kind, "since": since,
            })
        _warm_up_checks(settings)
        cleaner = Cleaner(settings)
        progress = _progress_bar(show_progress)
        try:
            with summary.clock("read_sources_and_batches"):
                work(summary, cleaner, progress)
            summary.timings["clean"] += cleaner.seconds
            progress.close()
            with summary.clock("run_checks"):
                results = check_dedup_and_run_task(settings, run_id)
            for r in results:
                if r.success:
                    summary.checks_passed += 1
                else:
                    summary.checks_failed.append((r.stage, r.check_name, r.severity, r.observed))
            failed_errors = [r for r in results if not r.success and r.severity == "error"]
            with summary.clock("data_docs"):
                summary.data_docs = data_docs_task(settings)
            if settings.search_index and (summary.counts["articles"] or kind == "reprocess"):
                with summary.clock("search_index"):
                    search_index_task(settings)
            summary.status = "failed" if failed_errors else "completed"
            if failed_errors:
                summary.message = "run-level checks failed: " + ", ".join(r.check_name for r in failed_errors)
        except BaseException as exc:
            progress.close()
            summary.status = "failed"
            summary.message = f"{type(exc).__name__}: {exc}"
            summary.seconds = time.monotonic() - started
            try:
                _finish(settings, summary)
            except Exception:  # the database itself may be what failed
                logger.exception("could not record the failed run")
            raise
        finally:
            cleaner.close()
        summary.seconds = time.monotonic() - started
        _finish(settings, summary)
    _publish_artifacts(summary)
    logger.info("run %s %s: %s", run_id, summary.status, dict(summary.counts))
    if summary.status == "failed":
        raise RunChecksFailed(summary)
    return summary.as_dict()


def flow_for(settings: Settings, flow_fn=None):
    """The flow to run: on a Dask cluster (prefect-dask's DaskTaskRunner) when an address is set."""
    flow_fn = flow_fn or newsflow_flow
    if not settings.dask_address:
        return flow_fn
    from prefect_dask import DaskTaskRunner

    return flow_fn.with_options(task_runner=DaskTaskRunner(address=settings.dask_address))


def _warm_up_checks(settings: Settings) -> None:
    """Import Great Expectations (about 3 s) in the background while sources are read."""
    import threading

    from .quality import warm_up

    threading.Thread(target=warm_up, args=(settings,), name="gx-warm-up", daemon=True).start()


class RunChecksFailed(RuntimeError):
    """A run-level error check failed: the flow run is marked Failed; what was committed stays."""

    def __init__(self, summary: RunSummary):
        super().__init__(summary.message)
        self.summary = summary


class _NoProgress:
    def advance(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class _RichProgress:
    """A progress bar on the terminal: documents through the clean stage."""

    def __init__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("[bold]newsflow[/] documents"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            transient=True,
        )
        self._task = self._bar.add_task("docs", total=None)
        self._bar.start()

    def advance(self, n: int = 1) -> None:
        self._bar.advance(self._task, n)

    def close(self) -> None:
        self._bar.stop()


def _progress_bar(enabled: bool):
    return _RichProgress() if enabled else _NoProgress()


def _publish_artifacts(summary: RunSummary) -> None:
    """Table and markdown artifacts, keyed so the Prefect UI shows their history."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    from .report import summary_markdown, summary_rows

    try:
        create_table_artifact(
            key="newsflow-run-counts", table=summary_rows(summary),
            description=f"newsflow run {summary.run_id}: counts per stage",
        )
        create_markdown_artifact(
            key="newsflow-run-summary", markdown=summary_markdown(summary),
            description="newsflow run summary and data quality",
        )
    except Exception as exc:  # artifacts are for people; never fail a run on them
        get_run_logger().warning("could not publish artifacts: %s", exc)
