"""The pipeline: ingest -> clean -> validate -> deduplicate, batch by batch, as Prefect flows.

    flows     the flow functions (ingest, reprocess); settings built once, passed down
    batches   batching, and the two-stage batch loop
    tasks     the Prefect tasks (thin wrappers) and where work runs (here or on Dask)
    stages    what the tasks that are more than one call do
    run       run bookkeeping: lock, runs row, summary, run checks
    summary   the run summary as text, markdown and artifacts
    progress  the terminal progress bar
"""
from __future__ import annotations

from .flows import FLOW_NAME, newsflow_flow, reprocess_flow, run_settings
from .run import RunChecksFailed, RunSummary
from .tasks import flow_for

__all__ = ["FLOW_NAME", "RunChecksFailed", "RunSummary", "flow_for", "newsflow_flow", "reprocess_flow",
           "run_settings"]
