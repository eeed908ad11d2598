"""Summaries of check results for people: Prefect artifacts and the CLI.

Results of the same check over several batches are merged into one line
(counts added, failed if any batch failed), so a 50-batch run reads like a
one-batch run.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from flows.quality.model import ERROR, CheckResult

STAGE_ORDER = {"raw": 0, "clean": 1, "dedup": 2, "run": 3}


def merge(results: Iterable[CheckResult]) -> list[CheckResult]:
    """One result per (stage, check): batches summed, first failure's observed kept."""
    merged: dict[tuple[str, str], CheckResult] = {}
    for r in results:
        key = (r.stage, r.check_name)
        m = merged.get(key)
        if m is None:
            merged[key] = CheckResult(r.stage, r.check_name, r.severity, r.success, r.observed,
                                      r.unexpected_count, r.element_count, None)
            continue
        m.unexpected_count += r.unexpected_count
        m.element_count += r.element_count
        if m.success and not r.success:
            m.observed = r.observed
        m.success = m.success and r.success
    return sorted(merged.values(), key=lambda r: (STAGE_ORDER.get(r.stage, 9), r.severity != ERROR))


def results_table(results: Iterable[CheckResult]) -> list[dict]:
    """Rows for ``create_table_artifact``: one per check, merged over batches."""
    return [
        {
            "stage": r.stage,
            "check": r.check_name,
            "severity": r.severity,
            "status": "pass" if r.success else "FAIL",
            "failed_rows": r.unexpected_count,
            "rows": r.element_count,
            "observed": r.observed,
        }
        for r in merge(results)
    ]


def quality_markdown(results: Iterable[CheckResult], docs_path: Path | str | None = None) -> str:
    """A markdown summary for ``create_markdown_artifact``: failures first."""
    rows = merge(results)
    errors = [r for r in rows if not r.success and r.severity == ERROR]
    warnings = [r for r in rows if not r.success and r.severity != ERROR]
    lines = ["# Data quality", ""]
    lines.append(
        f"{len(rows)} checks: {len(rows) - len(errors) - len(warnings)} passed, "
        f"{len(errors)} failed (error), {len(warnings)} failed (warning)."
    )
    if docs_path:
        lines += ["", f"Data Docs: `{docs_path}`"]
    lines += ["", "| stage | check | severity | status | failed rows | observed |", "| --- | --- | --- | --- | ---: | --- |"]
    for r in sorted(rows, key=lambda r: (r.success, STAGE_ORDER.get(r.stage, 9))):
        status = "pass" if r.success else "**FAIL**"
        lines.append(
            f"| {r.stage} | {r.check_name} | {r.severity} | {status} | "
            f"{r.unexpected_count} / {r.element_count} | {_cell(r.observed)} |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:160]
