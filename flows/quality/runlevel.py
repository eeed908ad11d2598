"""Run-level invariants: the queries in ``sql/checks/*.sql``.

Each file returns the offending rows (none = pass) and says in its header
comments what it is: ``-- check: NAME``, ``-- severity: error|warning`` and,
optionally, ``-- requires: TABLE`` (skipped, and passing, while that table
does not exist yet). Values go in as named parameters (``$run_id``...).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flows.quality.model import ERROR, CheckResult
from flows.settings import SQL_DIR, Settings

CHECKS_DIR = SQL_DIR / "checks"
FRAMES_DIR = CHECKS_DIR / "frames"

# Thresholds of the warning checks (parameters of their queries).
RUN_PARAMS = {
    "max_ratio": 3.0,  # volume: more than 3x or under 1/3 of the earlier mean
    "max_rate_change": 0.25,  # duplicate rate: moved by more than 25 points
    "min_articles": 20,  # duplicate rate: too few articles say nothing
}

_HEADER = re.compile(r"^--\s*(check|severity|requires):\s*(\S+)", re.M)
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@dataclass(frozen=True)
class SqlCheck:
    name: str
    severity: str
    requires: tuple[str, ...]
    sql: str
    path: Path

    @classmethod
    def load(cls, path: Path) -> "SqlCheck":
        sql = path.read_text()
        header = {}
        for key, value in _HEADER.findall(sql):
            header.setdefault(key, []).append(value)
        return cls(
            name=header.get("check", [path.stem])[0],
            severity=header.get("severity", [ERROR])[0],
            requires=tuple(header.get("requires", [])),
            sql=sql,
            path=path,
        )


def load_checks(folder: Path = CHECKS_DIR) -> list[SqlCheck]:
    return [SqlCheck.load(p) for p in sorted(folder.glob("*.sql"))]


def read_frame_query(name: str) -> str:
    return (FRAMES_DIR / f"{name}.sql").read_text()


def table_exists(con, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = current_schema()",
        [name],
    ).fetchone()
    return bool(row and row[0])


def check_run(con, run_id: str, settings: Settings | None = None) -> list[CheckResult]:
    """Every run-level check on the database, as results (the caller stores them)."""
    params = {"run_id": run_id, **RUN_PARAMS}
    results = []
    for check in load_checks():
        missing = [t for t in check.requires if not table_exists(con, t)]
        if missing:
            results.append(CheckResult("run", check.name, check.severity, True,
                                       f"skipped: no table {', '.join(missing)}"))
            continue
        used = {k: params[k] for k in set(_PARAM.findall(_strip_comments(check.sql))) if k in params}
        try:
            cur = con.execute(check.sql, used)
            columns = [d[0] for d in cur.description]
            rows = cur.fetchall()
        except Exception as exc:  # a broken check is a failed check, not a crash
            results.append(CheckResult("run", check.name, check.severity, False,
                                       f"query failed: {exc}"[:300]))
            continue
        results.append(
            CheckResult("run", check.name, check.severity, not rows, _observed(columns, rows), len(rows), 0)
        )
    return results


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def _observed(columns: list[str], rows: list[tuple]) -> str:
    if not rows:
        return "no offending rows"
    first = ", ".join(f"{c}={v}" for c, v in zip(columns, rows[0]))
    if len(rows) == 1:
        return first[:300]
    return f"{len(rows)} offending rows, e.g. {first}"[:300]
