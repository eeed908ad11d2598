"""Run the pipeline into a fresh DuckDB file and dump every table, for before/after comparisons.

    python bench/table_snapshot.py OUT.json SOURCE [SOURCE ...]
    python bench/table_snapshot.py --compare BEFORE.json AFTER.json

The dump is deterministic: rows sorted, columns that depend on the clock or the
run (run ids, timestamps, durations) left out, blobs replaced by their sha256.
Two dumps of the same inputs are equal when a change preserves behaviour.
Not a timing: it prints how many rows each table holds.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
VOLATILE = {
    "run_id", "started_at", "finished_at", "ingested_at", "cleaned_at", "quarantined_at", "evaluated_at",
    "added_at", "checked_at", "detected_at", "changed_at", "applied_at", "code_version",
}
# runs.counts is JSON with timings; keep its counts only (clean_reused: work saved, not an outcome)
VOLATILE_COUNTS = {"run_id", "db_path", "seconds", "timings", "data_docs", "clean_reused"}


def _stable_counts(counts: dict) -> dict:
    return {k: v for k, v in counts.items() if k not in VOLATILE_COUNTS and not k.endswith("seconds")}


def _plain(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def dump(db_path: str) -> dict:
    import duckdb

    con = duckdb.connect(db_path, read_only=True)
    try:
        return dump_connection(con)
    finally:
        con.close()


def dump_connection(con, skip: tuple[str, ...] = ()) -> dict:
    """Every table of the connection's default catalog (a DuckDB file or a lake), but ``skip``."""
    out: dict = {}
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1"
    ).fetchall()]
    for table in tables:
        if table == "schema_migrations" or table.startswith(("fts_", "search_")) or table in skip:
            continue
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND database_name = current_database() "
            "ORDER BY column_index", [table]).fetchall()]
        keep = [c for c in cols if c not in VOLATILE]
        rows = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in keep)} FROM "{table}"').fetchall()
        plain = []
        for row in rows:
            d = dict(zip(keep, (_plain(v) for v in row)))
            if table == "runs" and d.get("counts"):
                d["counts"] = _stable_counts(json.loads(d["counts"]) if isinstance(d["counts"], str) else d["counts"])
            plain.append(d)
        plain.sort(key=lambda d: json.dumps(d, sort_keys=True, default=str))
        out[table] = {"columns": keep, "rows": plain}
    if "search_docs" in tables and "search_index" not in skip:  # numbered in commit order: compare contents
        from flows.storage.sqlfiles import load_sql

        cur = con.execute(load_sql("queries/search/contents"))
        keep = [c[0] for c in cur.description]
        rows = [dict(zip(keep, row)) for row in cur.fetchall()]
        if rows:  # (none with NEWSFLOW_SEARCH_INDEX=0, as main() runs: dumps stay comparable with older ones)
            out["search_index"] = {"columns": keep, "rows": rows}
    return out


def compare(before: Path, after: Path) -> int:
    """0 when the two dumps hold the same rows (run counts without their timings)."""
    dumps = []
    for path in (before, after):
        snapshot = json.loads(path.read_text(encoding="utf-8"))
        for row in snapshot.get("runs", {}).get("rows", []):
            if isinstance(row.get("counts"), dict):
                row["counts"]["counts"] = _stable_counts(row["counts"].get("counts", {}))
        dumps.append(snapshot)
    differing = [t for t in sorted(set(dumps[0]) | set(dumps[1])) if dumps[0].get(t) != dumps[1].get(t)]
    rows = sum(len(v["rows"]) for v in dumps[1].values())
    print(f"{after.name}: {len(dumps[1])} tables, {rows} rows; " + (f"differ: {differing}" if differing else "identical"))
    return 1 if differing else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--compare":
        return compare(Path(argv[1]), Path(argv[2]))
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out, sources = Path(argv[0]), argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        db_path = str(Path(tmp) / "snap.duckdb")
        env = dict(os.environ, NEWSFLOW_SEARCH_INDEX="0")
        proc = subprocess.run(
            [sys.executable, "-m", "flows", "run", *sources, "--db", db_path, "--json", "--no-progress"],
            cwd=REPO, env=env, capture_output=True, text=True,
        )
        if proc.returncode not in (0, 1):
            print(proc.stdout, proc.stderr, file=sys.stderr)
            return proc.returncode
        snapshot = dump(db_path)
    out.write_text(json.dumps(snapshot, indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    print(" ".join(f"{t}={len(v['rows'])}" for t, v in snapshot.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
