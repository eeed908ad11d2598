"""The dedup stage: exact and near copies, shared passages, stories.

    report = dedup_batch(con, articles, run_id, settings)

Called by the pipeline once per batch, inside its open transaction, after
the batch's rows were inserted into ``articles``. Steps (one module each):
normalise (tokens), signatures (shingles, MinHash, bands), index (persist and
look up in DuckDB), verify (containment with template discount), canonical
(clusters, re-pointing), stories (grouping); batch.py runs them. Fingerprints
persist, so a run compares its articles with the whole stored corpus without
re-reading texts.

The names below are imported on first use: a cleaning worker that signs
articles (signatures.py: numpy and rensa) does not load DuckDB, Arrow and
pandas for the rest.
"""
from __future__ import annotations

__all__ = ["DedupReport", "compute_signatures", "dedup_batch", "BatchSignatures"]

_WHERE = {"DedupReport": "batch", "dedup_batch": "batch", "compute_signatures": "signatures",
          "BatchSignatures": "signatures"}


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
