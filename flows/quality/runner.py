"""Run a suite on a DataFrame with Great Expectations; map failures to rows.

One ephemeral GX context per process, built on first use (importing GX costs
about 3 s, so nothing here imports it at module level). Each stage's suite is
built once and rebuilt only when the settings it depends on change. A batch
is one GX call per suite, with ``result_format=COMPLETE`` so that
``unexpected_index_list`` names every failing row (by index label). Trimmed copies of the
results are kept in this process and put into the context's in-memory store when the Data Docs
are built at the end of the run (see ``docs.py``).
"""
from __future__ import annotations

import logging
import threading
from collections import deque
from datetime import datetime, timezone

import pandas as pd

from flows.quality.model import ERROR, CheckResult, StageOutcome
from flows.quality.suites import CheckSpec, Suite
from flows.settings import Settings

log = logging.getLogger(__name__)

DATASOURCE = "newsflow"
MAX_KEPT_RESULTS = 500  # validation results kept for Data Docs between builds
_DROP_KEYS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query")

_lock = threading.RLock()  # GX contexts are not thread-safe; Prefect may run tasks in threads
_state: dict = {}


def gx_context():
    """The process's ephemeral GX context (created on first use)."""
    with _lock:
        if "context" not in _state:
            from flows.quality.gx_import import import_gx

            gx = import_gx()
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )

            # No default docs site: GX would make (and never remove) a temp dir for it.
            config = DataContextConfig(
                store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                progress_bars=ProgressBarsConfig(globally=False),
                analytics_enabled=False,
            )
            context = gx.get_context(mode="ephemeral", project_config=config)
            _state["context"] = context
            _state["datasource"] = context.data_sources.add_pandas(DATASOURCE)
            _state["suites"] = {}
            _state["kept"] = deque()
        return _state["context"]


def _suite_and_batch_definition(suite: Suite, settings: Settings):
    """The built GX suite and batch definition for ``suite`` (cached)."""
    context = gx_context()  # first: it imports GX (with the modules it never needs here deferred)
    import great_expectations as gx
    import great_expectations.expectations as gxe

    key = suite.params_key(settings)
    cached = _state["suites"].get(suite.name)
    if cached and cached[0] == key:
        return cached[1], cached[2]
    if cached:
        context.suites.delete(suite.name)
    gx_suite = gx.ExpectationSuite(
        name=suite.name, meta={"notes": f"newsflow {suite.stage} checks; severity in each expectation's meta"}
    )
    for spec in suite.checks:
        cls = getattr(gxe, spec.expectation_name(settings))
        gx_suite.add_expectation(
            cls(
                column=spec.column,
                **spec.params(settings),
                description=f"{spec.name} ({spec.severity}): {spec.description}",
                meta={"check": spec.name, "severity": spec.severity, "stage": suite.stage},
            )
        )
    gx_suite = context.suites.add(gx_suite)
    datasource = _state["datasource"]
    try:
        asset = datasource.get_asset(suite.name)
    except LookupError:
        asset = datasource.add_dataframe_asset(suite.name)
    try:
        batch_definition = asset.get_batch_definition("batch")
    except KeyError:
        batch_definition = asset.add_batch_definition_whole_dataframe("batch")
    _state["suites"][suite.name] = (key, gx_suite, batch_definition)
    return gx_suite, batch_definition


def run_suite(suite: Suite, df: pd.DataFrame, settings: Settings, batch: int | None = None,
              settled: int = 0) -> StageOutcome:
    """Validate ``df`` against ``suite`` in one GX call and say which rows failed. ``settled``:
    rows of the batch left out of ``df`` because their verdict is known already (the caller
    counts their failures); each check reports them among its rows."""
    outcome = StageOutcome(stage=suite.stage)
    if df.empty:  # nothing to check: no GX call (and no GX import)
        n = settled
        outcome.results = [
            CheckResult(suite.stage, c.name, c.severity, True, _passing(n) if n else "no rows", 0, n, batch)
            for c in suite.checks
        ]
        return outcome
    with _lock:
        gx_suite, batch_definition = _suite_and_batch_definition(suite, settings)
        if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0 or df.index.step != 1:
            df = df.reset_index(drop=True)  # failing rows come back as positions (see _failing_rows)
        gx_batch = batch_definition.get_batch(batch_parameters={"dataframe": df})
        # COMPLETE: every failing row's index label, not only a sample. Not its id columns: GX
        # reads those with one DataFrame.at per row and column (about 5% of a 2,000-row batch's
        # checks when many rows fail a warning); _failing_rows reads them in one lookup
        validation = gx_batch.validate(
            gx_suite, result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False},
        )
        by_check = {r.expectation_config.meta.get("check"): r for r in validation.results}
        for spec in suite.checks:
            _apply(outcome, suite, spec, by_check.get(spec.name), df, settings, batch, len(df) + settled)
        _keep_for_docs(suite, validation, gx_batch, batch)
    return outcome


def _apply(outcome: StageOutcome, suite: Suite, spec: CheckSpec, result, df: pd.DataFrame,
           settings: Settings, batch: int | None, n: int) -> None:
    """Turn one expectation's result into a CheckResult and per-row verdicts (``n``: the batch's rows)."""
    error = "missing result" if result is None else _exception_message(result.exception_info)
    if error:  # a check that could not run failed; it says nothing about rows
        outcome.results.append(
            CheckResult(suite.stage, spec.name, spec.severity, False, f"check failed to run: {error}"[:300], 0, n, batch)
        )
        return
    rows = _failing_rows(df, result.result.get("unexpected_index_list") or [], spec, suite)
    first = None
    for row in rows:
        observed = spec.describe(row, settings)
        first = first or observed
        if spec.severity == ERROR:
            if suite.reject_key:  # the first failing error check in suite order names the reason
                outcome.rejected.setdefault(str(row[suite.reject_key]), (spec.name, observed))
        else:
            names = outcome.warnings.setdefault(str(row[suite.warn_key]), [])
            if spec.name not in names:
                names.append(spec.name)
    count = int(result.result.get("unexpected_count") or len(rows))
    parts = []
    if count:
        parts.append(f"{count} of {n} rows" + (f", e.g. {first}" if first else ""))
    if spec.summarize is not None:
        parts.append(spec.summarize(df))
    summary = "; ".join(parts) or _passing(n)
    outcome.results.append(
        CheckResult(suite.stage, spec.name, spec.severity, bool(result.success), summary[:500], count, n, batch)
    )


def _passing(n: int) -> str:
    return "the row passes" if n == 1 else f"all {n} rows pass"


def _failing_rows(df: pd.DataFrame, labels: list, spec: CheckSpec, suite: Suite) -> list[dict]:
    """The failing rows GX named by index label, as the dicts ``describe`` reads: the checked
    column and the suite's id columns (what GX itself gives with unexpected_index_column_names)."""
    if not labels:
        return []
    columns = list(dict.fromkeys([spec.column, *suite.id_columns]))
    return df.loc[labels, columns].to_dict("records")


def _exception_message(info) -> str | None:
    """GX 1.x puts exception info at the top level or per metric: look in both."""
    if not info:
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None


def _keep_for_docs(suite: Suite, validation, gx_batch, batch: int | None) -> None:
    """Keep a trimmed copy of the result for Data Docs. It goes into GX's store (which serializes
    it, about a seventh of a batch's checks) only when the docs are built, after the batches,
    not while the cleaning workers need the cores (``store_kept_results``)."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    for r in validation.results:
        for k in _DROP_KEYS:
            r.result.pop(k, None)
    now = datetime.now(timezone.utc)
    run_name = f"{suite.stage} batch {batch}" if batch is not None else suite.stage
    run_id = RunIdentifier(run_name=run_name, run_time=now)
    validation.meta["run_id"] = run_id  # what the Data Docs pages show as run name and time
    validation.meta["validation_time"] = now
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
        run_id=run_id,
        batch_identifier=f"{gx_batch.id}-{now.strftime('%Y%m%dT%H%M%S%f')}",
    )
    kept: deque = _state["kept"]
    kept.append((key, validation))
    while len(kept) > MAX_KEPT_RESULTS:
        kept.popleft()


def _take_kept() -> list[tuple]:
    """The (key, result) pairs kept since the last Data Docs build, which are forgotten here."""
    with _lock:
        kept = _state.get("kept")
        taken = list(kept or ())
        if kept:
            kept.clear()
        return taken


def store_kept_results() -> list:
    """Put the results kept since the last Data Docs build into GX's store, for the build; their
    keys (the caller removes them from the store once the docs are written)."""
    with _lock:
        taken = _take_kept()
        if not taken:
            return []
        store = gx_context().validation_results_store
        for key, validation in taken:
            store.set(key, validation)
        return [key for key, _ in taken]


def take_kept_results() -> list:
    """The keys of the results kept since the last Data Docs build, which are forgotten."""
    return [key for key, _ in _take_kept()]


def warm_up(settings: Settings) -> None:
    """Import GX and build the batch suites now (about 3 s), e.g. in a thread
    at flow start, so the first batch does not wait for it."""
    from flows.quality.suites import CLEAN, RAW

    with _lock:
        for suite in (RAW, CLEAN):
            _suite_and_batch_definition(suite, settings)
