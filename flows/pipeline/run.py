"""Run bookkeeping shared by every kind of run: the lock, the runs row, the summary, checks, artifacts.

Prefect is imported inside the functions that run in a flow: ``RunSummary`` is
also used by a run with nothing new, which never imports Prefect (noop.py)."""
from __future__ import annotations

import contextlib
import json
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..settings import Settings
from ..startup import timings as startup_timings
from ..storage import DatabaseBusy, shared_writers, transaction, writer_lock
from ..storage.runs import finish_run, run_totals, start_run
from .progress import progress_bar


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
    # raw ids the batch read last took up: it is committed only after the next one is read
    # (process_batches), earlier ones are in the database (all of a run's ids: 400 MB for 3 million)
    seen_raw: set = field(default_factory=set, repr=False)
    storage: str = field(default="duckdb", repr=False)

    @contextlib.contextmanager
    def clock(self, stage: str):
        """Time a stage (task call included) into ``timings``."""
        t = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] += time.perf_counter() - t

    def record(self, results) -> None:
        """Count check results as passed or failed."""
        for r in results:
            if r.success:
                self.checks_passed += 1
            else:
                self.checks_failed.append((r.stage, r.check_name, r.severity, r.observed))

    def conclude(self, results) -> None:
        """Count the run-level results; an error-severity failure fails the run."""
        self.record(results)
        failed = [r.check_name for r in results if not r.success and r.severity == "error"]
        self.status = "failed" if failed else "completed"
        if failed:
            self.message = "run-level checks failed: " + ", ".join(failed)

    def as_dict(self) -> dict:
        return {
            "run_id": self.run_id, "db_path": self.db_path, "status": self.status, "kind": self.kind,
            "counts": dict(self.counts), "rejected_by_reason": dict(self.rejected_by_reason),
            "checks_passed": self.checks_passed, "checks_failed": [list(c) for c in self.checks_failed],
            "data_docs": self.data_docs, "seconds": round(self.seconds, 2), "message": self.message,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }

    @classmethod
    def from_dict(cls, result: dict) -> "RunSummary":
        """Back from ``as_dict`` (a flow run's return value)."""
        summary = cls(run_id=result["run_id"], db_path=result["db_path"], status=result["status"],
                      kind=result.get("kind", "ingest"))
        summary.counts = Counter(result["counts"])
        summary.rejected_by_reason = Counter(result["rejected_by_reason"])
        summary.checks_passed = result["checks_passed"]
        summary.checks_failed = [tuple(x) for x in result["checks_failed"]]
        summary.data_docs = result["data_docs"]
        summary.seconds = result["seconds"]
        summary.message = result["message"]
        return summary


class RunChecksFailed(RuntimeError):
    """A run-level error check failed: the flow run is marked Failed; what was committed stays."""

    def __init__(self, summary: RunSummary):
        super().__init__(summary.message)
        self.summary = summary


def current_run_id() -> str:
    from prefect.runtime import flow_run

    rid = flow_run.get_id()
    return str(rid) if rid else str(uuid.uuid4())


def _finish(settings: Settings, summary: RunSummary) -> None:
    with transaction(settings, migrate=False) as con:
        totals = run_totals(con, summary.run_id)
        summary.counts["duplicates"] = totals[3]
        finish_run(con, summary.run_id, summary.status, summary.counts["read"], totals,
                   json.dumps(summary.as_dict()), summary.message)


def _run_checks_and_reports(settings: Settings, summary: RunSummary, kind: str) -> None:
    """Run-level checks, Data Docs and the search index, after the batches."""
    from .tasks import check_dedup_and_run_task, data_docs_task, search_index_task

    with summary.clock("run_checks"):
        results = check_dedup_and_run_task(settings, summary.run_id)
    with summary.clock("data_docs"):
        summary.data_docs = data_docs_task(settings)
    if settings.search_index:  # also with no new articles: a run killed before this step left some unindexed
        with summary.clock("search_index"):
            search_index_task(settings)
    summary.conclude(results)


def resume_pending_work(settings: Settings, summary: RunSummary) -> None:
    """Finish what a killed run left (pending_work) before this run adds anything: a
    reprocess killed after emptying the dedup tables left them to be rebuilt."""
    from prefect import get_run_logger

    from ..storage.raw import DEDUP_REBUILD, pending_work
    from .stages import add_numbers
    from .tasks import rebuild_dedup_task

    with transaction(settings, migrate=False) as con:
        pending = pending_work(con)
    for task_name, left_by, _created in pending:
        if task_name == DEDUP_REBUILD:
            get_run_logger().warning("run %s stopped before rebuilding dedup: rebuilding it first", left_by)
            with summary.clock("resume_dedup_rebuild"):
                rebuilt = rebuild_dedup_task(settings, summary.run_id, reset=True)
            summary.counts["resumed_dedup_rebuild"] += 1
            add_numbers(summary.counts, rebuilt, prefix="dedup_")


def _forget_story_book() -> None:
    """The story step's book kept between batches, let go at the run's end (a run that stored
    nothing never imported the step: nothing to let go, and nothing imported for it)."""
    stories = sys.modules.get("flows.dedup.stories")
    if stories is not None:
        stories.forget_kept_book()


def execute_run(settings: Settings, kind: str, sources: list[str], since, wait_for_lock: bool,
                show_progress: bool, work) -> dict:
    """The lock, the runs row (the schema brought up to date once, here), ``work``,
    then run checks, Data Docs, the search index and artifacts."""
    from prefect import get_run_logger

    from ..clean import Cleaner
    from ..quality import start_warm_up
    from .summary import publish_artifacts

    logger = get_run_logger()
    run_id = current_run_id()
    started = time.monotonic()
    summary = RunSummary(run_id=run_id, db_path=str(Path(settings.db_path).resolve()), kind=kind,
                         storage=settings.storage)
    summary.timings.update(startup_timings())  # not inside ``seconds``: the run's fixed cost
    with writer_lock(settings, wait=wait_for_lock):
        with transaction(settings, migrate=True) as con:
            start_run(con, run_id, kind, sources, since, shared=shared_writers(settings))
        start_warm_up(settings)  # GX in the background while sources are read (started already by the command)
        # the workers also sign each article for dedup (a reprocess rebuilds dedup itself)
        cleaner = Cleaner(settings, reuse_stored=kind != "reprocess", sign=kind != "reprocess")
        progress = progress_bar(show_progress)
        try:
            if kind != "reprocess":  # a reprocess empties and rebuilds dedup itself
                resume_pending_work(settings, summary)
            cpu = time.process_time()
            with summary.clock("read_sources_and_batches"):
                work(summary, cleaner, progress)
            # this process's CPU (all its threads) while the workers cleaned: what it took from them
            summary.timings["read_sources_and_batches_cpu"] = time.process_time() - cpu
            cleaner.close()  # the workers' memory is not held through the checks and the search index
            _forget_story_book()  # nor the story step's, kept between batches
            summary.timings["clean"] += cleaner.seconds
            if cleaner.sign_seconds:  # the workers' dedup signatures, after each batch's cleaning
                summary.timings["signatures_in_workers"] += cleaner.sign_seconds
            if cleaner.reused:  # copies of documents cleaned earlier in the run (clean/reuse.py)
                summary.counts["clean_reused"] += cleaner.reused
            progress.close()
            _run_checks_and_reports(settings, summary, kind)
        except BaseException as exc:
            progress.close()
            summary.status = "failed"
            summary.message = f"{type(exc).__name__}: {exc}"
            from ..signals import interrupted_by, stop_fetching_and_cleaning

            stopped_by = interrupted_by(exc)
            if stopped_by:  # SIGTERM or Ctrl-C (flows/signals.py)
                stop_fetching_and_cleaning(cleaner)
                summary.status = "cancelled"
                summary.message = f"stopped by {stopped_by}; committed batches are kept, run again to continue"
            summary.seconds = time.monotonic() - started
            if isinstance(exc, DatabaseBusy):  # waiting for the file again would double the wait for nothing
                logger.error("the run is not recorded as failed: %s (the next run marks it crashed)", exc)
                raise
            try:
                _finish(settings, summary)
            except Exception:  # the database itself may be what failed
                logger.exception("could not record the failed run")
            raise
        finally:
            cleaner.close()
            _forget_story_book()
            if cleaner.workers_cpu:  # beside "clean" (their wall time): how busy the workers were
                summary.timings["clean_workers_cpu"] = cleaner.workers_cpu
        summary.seconds = time.monotonic() - started
        _finish(settings, summary)
    publish_artifacts(summary)
    logger.info("run %s %s: %s", run_id, summary.status, dict(summary.counts))
    if summary.status == "failed":
        raise RunChecksFailed(summary)
    return summary.as_dict()
