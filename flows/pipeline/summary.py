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


def source_lines(counts) -> list[str]:
    """What the sources did besides giving documents: fetches saved, refused, skipped records."""
    c = {k[len("source_"):]: int(v) for k, v in counts.items() if k.startswith("source_")}
    lines = []
    fetch_keys = ("fetch_ok", "fetch_failed", "fetch_not_modified", "fetch_skipped_seen", "robots_disallowed")
    if any(c.get(k) for k in fetch_keys):
        lines.append(
            f"fetched      {c.get('fetch_ok', 0):>7}  ({c.get('fetch_not_modified', 0)} not modified since the last "
            f"poll, {c.get('fetch_skipped_seen', 0)} skipped: stored by earlier runs, "
            f"{c.get('robots_disallowed', 0)} refused by robots.txt, {c.get('fetch_failed', 0)} failed)"
        )
    if c.get("sitemaps"):
        lines.append(f"sitemaps     {c['sitemaps']:>7}  ({c.get('sitemap_entries', 0)} entries, "
                     f"{c.get('sitemap_entries_before_since', 0)} dated before --since)")
    skipped = {k[len("warc_skipped_"):]: v for k, v in c.items() if k.startswith("warc_skipped_") and v}
    if c.get("skipped_unknown_type"):
        skipped["files of unknown type"] = c["skipped_unknown_type"]
    if c.get("skipped_special_files"):  # never opened: a FIFO would block, a device stream forever
        skipped["FIFOs, devices or sockets"] = c["skipped_special_files"]
    if skipped:
        detail = ", ".join(f"{v} {k}" for k, v in sorted(skipped.items(), key=lambda kv: -kv[1]))
        lines.append(f"skipped      {sum(skipped.values()):>7}  not documents: {detail}")
    return lines


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
    if source_lines(c):
        lines += ["", "## Sources", ""] + [f"- {line.split(None, 1)[0]}: {line.split(None, 1)[1]}"
                                           for line in source_lines(c)]
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
    out[1:1] = ["  " + line for line in source_lines(c)]
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
        out.append("  newsflow shell" + _db_flag(db) + "     (the DuckDB shell, read-only, full-text search loaded)")
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
