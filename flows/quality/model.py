"""What a quality check gives back to the pipeline.

Plain dataclasses, no Great Expectations types: the pipeline stores them in
``dq_results`` and ``quarantine`` without importing GX (3 s to import).
"""
from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"


@dataclass(slots=True)
class CheckResult:
    """One check evaluated once (on a batch, or on the whole run)."""

    stage: str  # raw | clean | dedup | run
    check_name: str
    severity: str  # error | warning
    success: bool
    observed: str = ""  # short, for people: what was seen
    unexpected_count: int = 0
    element_count: int = 0
    batch: int | None = None


@dataclass(slots=True)
class StageOutcome:
    """The checks of one stage on one batch, and what they mean per row.

    ``rejected``: raw_id -> (check name, observed) for rows failing an
    error-severity check (the first failing check in suite order).
    ``warnings``: row id -> failed warning checks; the row id is the raw_id at
    the raw and clean stages and the article_id at the dedup stage.
    """

    stage: str
    results: list[CheckResult] = field(default_factory=list)
    rejected: dict[str, tuple[str, str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        """False when an error-severity check failed."""
        return all(r.success for r in self.results if r.severity == ERROR)
