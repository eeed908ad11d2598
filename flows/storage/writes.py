"""Writing a batch's output: raw layer, articles, quarantine, check results.

Everything a batch produces is committed in one transaction (together with
the dedup stage's rows), so a run killed at any point leaves either the whole
batch or none of it; the re-run skips what was committed and redoes the rest.
"""
from __future__ import annotations

import json
from datetime import date, datetime

import duckdb
import pyarrow as pa

from ..version import code_version
from ..records import Article, RawDocument, Rejection
from .sqlfiles import insert_arrow

RAW_SCHEMA = pa.schema([
    ("raw_id", pa.string()), ("source", pa.string()), ("kind", pa.string()), ("url", pa.string()),
    ("content_hash", pa.string()), ("content", pa.binary()), ("content_encoding", pa.string()),
    ("size_bytes", pa.int64()),
    ("content_type", pa.string()), ("hints", pa.string()), ("read_error", pa.string()),
    ("fetched_at", pa.timestamp("us", tz="UTC")),
])
ARTICLE_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("raw_id", pa.string()), ("source", pa.string()), ("url", pa.string()),
    ("title", pa.string()), ("author", pa.string()), ("published_date", pa.date32()),
    ("language", pa.string()), ("text", pa.string()), ("word_count", pa.int32()),
    ("site_name", pa.string()), ("extractor", pa.string()), ("warnings", pa.list_(pa.string())),
])
REJECTION_SCHEMA = pa.schema([
    ("raw_id", pa.string()), ("source", pa.string()), ("stage", pa.string()),
    ("reason", pa.string()), ("detail", pa.string()),
])
DQ_SCHEMA = pa.schema([
    ("stage", pa.string()), ("check_name", pa.string()), ("severity", pa.string()), ("success", pa.bool_()),
    ("observed", pa.string()), ("unexpected_count", pa.int64()), ("element_count", pa.int64()),
    ("batch", pa.int32()),
])


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def raw_table(docs: list[RawDocument]) -> pa.Table:
    """Column by column: the content column holds whole pages, and building it
    from a list of row dicts costs more than storing it."""
    stored = [d.stored_content() for d in docs]
    return pa.table({
        "raw_id": pa.array([d.raw_id for d in docs], pa.string()),
        "source": pa.array([d.source for d in docs], pa.string()),
        "kind": pa.array([d.kind for d in docs], pa.string()),
        "url": pa.array([d.url for d in docs], pa.string()),
        "content_hash": pa.array([d.content_hash for d in docs], pa.string()),
        "content": pa.array([content for content, _ in stored], pa.binary()),
        "content_encoding": pa.array([encoding for _, encoding in stored], pa.string()),
        "size_bytes": pa.array([len(d.content) for d in docs], pa.int64()),
        "content_type": pa.array([d.content_type for d in docs], pa.string()),
        "hints": pa.array([
            json.dumps(d.hints, default=_json_default, ensure_ascii=False) if d.hints else None for d in docs
        ], pa.string()),
        "read_error": pa.array([d.error for d in docs], pa.string()),
        "fetched_at": pa.array([d.fetched_at for d in docs], pa.timestamp("us", tz="UTC")),
    }, schema=RAW_SCHEMA)


def article_table(articles: list[Article]) -> pa.Table:
    fields = ARTICLE_SCHEMA.names
    rows = []
    for a in articles:
        row = {k: getattr(a, k) for k in fields}
        row["warnings"] = list(a.warnings)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)


def rejection_table(rejections: list[Rejection]) -> pa.Table:
    """Column by column: a file of a million bad lines gives a million rows, and ``asdict`` (a deep
    copy per row) cost more than everything else done with them."""
    return pa.table({name: pa.array([getattr(r, name) for r in rejections], pa.string())
                     for name in REJECTION_SCHEMA.names}, schema=REJECTION_SCHEMA)


def dq_table(results, batch: int | None) -> pa.Table:
    return pa.Table.from_pylist([
        {
            "stage": r.stage, "check_name": r.check_name, "severity": r.severity, "success": bool(r.success),
            "observed": None if r.observed is None else str(r.observed)[:2000],
            "unexpected_count": r.unexpected_count, "element_count": r.element_count, "batch": batch,
        }
        for r in results
    ], schema=DQ_SCHEMA)


def store_batch(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    docs: list[RawDocument],
    articles: list[Article],
    rejections: list[Rejection],
    dq_results: list,
    batch: int,
) -> None:
    """Insert one batch's rows; the caller holds the transaction."""
    params = {"run_id": run_id, "code_version": code_version()}
    if docs:
        insert_arrow(con, "queries/raw/insert_raw", raw_table(docs), params)
    if articles:
        insert_arrow(con, "queries/articles/insert_articles", article_table(articles), params)
    if rejections:
        insert_arrow(con, "queries/articles/insert_quarantine", rejection_table(rejections), params)
    if dq_results:
        store_check_results(con, run_id, dq_results, batch)


def store_check_results(con: duckdb.DuckDBPyConnection, run_id: str, results: list, batch: int | None) -> None:
    """Check results of a batch (or, with ``batch`` None, of the whole run)."""
    insert_arrow(con, "queries/runs/insert_dq_results", dq_table(results, batch), {"run_id": run_id})
