"""The run summary: for the terminal, and as Prefect artifacts."""
from __future__ import annotations

from pathlib import Path

from ..settings import DEFAULT_DB_PATH

STAGE_ROWS = (
    ("read", "documents read from the sources"),
    ("already_stored", "skipped: stored by an earlier run"),
    ("new", "new documents (raw_articles rows)"),
    ("cleaned", "cleaned"),
    ("articles", "articles stored (passed the checks)"),
    ("quarantined", "quarantined"),
    ("duplicates", "duplicates found"),
)


def summary_rows(summary) -> list[dict]:
    c = summary.counts
    return [{"stage": key, "count": int(c.get(key, 0)), "meaning": text} for key, text in STAGE_ROWS]


def summary_markdown(summary) -> str:
    c = summary.counts
    lines = [
        f"# newsflow {'run' if summary.kind == 'ingest' else summary.kind} `{summary.run_id}`: {summary.status}",
        "",
        f"Database: `{summary.db_path}` · {summary.seconds:.1f} s",
        "",
        "| stage | count |",
        "| --- | ---: |",
    ]
    lines += [f"| {text} | {int(c.get(key, 0))} |" for key, text in STAGE_ROWS]
    if summary.rejected_by_reason:
        lines += ["", "## Quarantined, by stage and reason", "", "| stage: reason | documents |", "| --- | ---: |"]
        lines += [f"| {k} | {v} |" for k, v in summary.rejected_by_reason.most_common()]
    lines += ["", f"## Data quality: {summary.checks_passed} checks passed, {len(summary.checks_failed)} failed", ""]
    if summary.checks_failed:
        lines += ["| stage | check | severity | observed |", "| --- | --- | --- | --- |"]
        for stage, check, severity, observed in summary.checks_failed[:200]:
            obs = str(observed).replace("|", "\\|")[:200]
            lines.append(f"| {stage} | {check} | {severity} | {obs} |")
    if summary.data_docs:
        lines += ["", f"Data Docs: `{summary.data_docs}`"]
    if summary.message:
        lines += ["", f"**{summary.message}**"]
    return "\n".join(lines)


def summary_text(summary) -> str:
    """The closing lines of ``newsflow run``: counts per stage and where to look next."""
    c = summary.counts
    dup_exact = int(c.get("dedup_exact", 0))
    dup_near = int(c.get("dedup_near", 0))
    failed_err = [f for f in summary.checks_failed if f[2] == "error"]
    failed_warn = [f for f in summary.checks_failed if f[2] != "error"]
    out = [
        f"newsflow {'run' if summary.kind == 'ingest' else summary.kind} {summary.run_id}: "
        f"{summary.status} in {summary.seconds:.1f} s",
        f"  read         {int(c.get('read', 0)):>7}  ({int(c.get('new', 0))} new, "
        f"{int(c.get('already_stored', 0))} stored by earlier runs)",
        f"  cleaned      {int(c.get('cleaned', 0)):>7}",
        f"  articles     {int(c.get('articles', 0)):>7}  stored in `articles`",
        f"  quarantined  {int(c.get('quarantined', 0)):>7}",
    ]
    for reason, n in summary.rejected_by_reason.most_common(8):
        out.append(f"      {n:>5}  {reason}")
    out.append(f"  duplicates   {int(c.get('duplicates', 0)):>7}  ({dup_exact} exact, {dup_near} near)")
    out.append(
        f"  checks       {summary.checks_passed:>7} passed, {len(failed_err)} errors, {len(failed_warn)} warnings"
    )
    for stage, check, severity, observed in summary.checks_failed[:6]:
        out.append(f"      {severity:<7} {stage}.{check}: {str(observed)[:100]}")
    if summary.message:
        out.append(f"  {summary.message}")
    db = summary.db_path
    out += [
        "",
        f"Database:  {db}",
    ]
    if summary.data_docs:
        out.append(f"Data Docs: {summary.data_docs}")
    out += [
        "Look next:",
        '  newsflow query "SELECT title, published_date, word_count FROM articles_unique"' + _db_flag(db),
        '  newsflow query "SELECT stage, reason, detail, source FROM quarantine"' + _db_flag(db),
    ]
    if summary.storage == "duckdb":  # a lake's host file holds no tables
        out.append(f"  duckdb -readonly {db}     (or: python -c \"import duckdb; duckdb.connect('{db}', read_only=True)\")")
    return "\n".join(out)


def _db_flag(db: str) -> str:
    return "" if Path(db) == Path(DEFAULT_DB_PATH).resolve() else f" --db {db}"


def publish_artifacts(summary) -> None:
    """Table and markdown artifacts, keyed so the Prefect UI shows their history."""
    from prefect import get_run_logger
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

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
