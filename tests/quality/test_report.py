"""Summaries for Prefect artifacts."""
from __future__ import annotations

from flows.quality import CheckResult, quality_markdown, results_table


def sample():
    return [
        CheckResult("raw", "not_empty", "error", True, "all 10 rows pass", 0, 10, 0),
        CheckResult("raw", "not_empty", "error", False, "1 of 5 rows, e.g. empty document (0 bytes)", 1, 5, 1),
        CheckResult("clean", "title_present", "warning", False, "2 of 9 rows, e.g. no title", 2, 9, 0),
        CheckResult("run", "raw_accounted", "error", True, "no offending rows"),
    ]


def test_results_table_merges_batches():
    rows = results_table(sample())
    assert [r["check"] for r in rows] == ["not_empty", "title_present", "raw_accounted"]
    first = rows[0]
    assert first["status"] == "FAIL" and first["failed_rows"] == 1 and first["rows"] == 15
    assert first["observed"] == "1 of 5 rows, e.g. empty document (0 bytes)"


def test_markdown_lists_failures_first_and_the_docs_path():
    md = quality_markdown(sample(), "/data/quality/index.html")
    assert "3 checks: 1 passed, 1 failed (error), 1 failed (warning)." in md
    assert "Data Docs: `/data/quality/index.html`" in md
    lines = [line for line in md.splitlines() if line.startswith("| raw") or line.startswith("| clean") or line.startswith("| run")]
    assert "**FAIL**" in lines[0] and "**FAIL**" in lines[1] and "pass" in lines[2]
