"""The pipeline: ingest -> clean -> validate -> deduplicate, batch by batch, as Prefect flows.

    flows     the flow functions (ingest, reprocess); settings built once, passed down
    batches   batching, and the two-stage batch loop
    tasks     the Prefect tasks (thin wrappers) and where work runs (here or on Dask)
    stages    what the tasks that are more than one call do
    run       run bookkeeping: lock, runs row, summary, run checks
    noop      a run with nothing new, recorded without Prefect (the fast path)
    summary   the run summary as text, markdown and artifacts
    progress  the terminal progress bar

Names are imported on first use: importing the package does not import Prefect
(about 1 s), so a run with nothing new never pays for it.
"""
from __future__ import annotations

from ..lazy import lazy_names

_WHERE = {
    "FLOW_NAME": "flows", "newsflow_flow": "flows", "reprocess_flow": "flows", "run_settings": "flows",
    "RunChecksFailed": "run", "RunSummary": "run", "flow_for": "tasks",
}

__all__ = sorted(_WHERE)


__getattr__ = lazy_names(__name__, _WHERE, globals())
