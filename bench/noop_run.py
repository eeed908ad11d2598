"""Wall time and peak memory of ``newsflow run`` with nothing new (issue 12: under 3 s).

Run: ``python bench/noop_run.py [--repeat 3] [SOURCE ...]`` (default: the bundled seeds).

A fresh process per run, as a user runs it, with no PREFECT_API_URL (so a run
with work starts Prefect's temporary API). The first run stores the sources;
the next ones find nothing new. Same-run ratio: the no-op run's wall time over
the first run's, and over a bare ``python -c "import duckdb"`` (the floor of
any process that opens the database).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str], env: dict, out: dict | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process (``out`` gets its JSON output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if out is not None:
        out.update(json.loads(proc.stdout))
    return wall, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    with tempfile.TemporaryDirectory(prefix="newsflow-noop-") as tmp:
        env["PREFECT_HOME"] = str(Path(tmp) / "prefect-home")
        run = [sys.executable, "-m", "flows", "run", *args.sources, "--db", str(Path(tmp) / "n.duckdb"), "--json"]
        floor = statistics.median(timed([sys.executable, "-c", "import duckdb"], env)[0] for _ in range(args.repeat))
        # The very first run with this PREFECT_HOME creates Prefect's own database (migrations,
        # 10-20 s), as a user's first run ever does; the run measured next is an ordinary one.
        very_first, _ = timed([*run[:-3], "--db", str(Path(tmp) / "warm-up.duckdb"), "--json"], env)
        print(f"very first run with a fresh PREFECT_HOME (Prefect creates its database): {very_first:6.2f} s wall")
        load_before = os.getloadavg()[0]
        result: dict = {}
        first, first_rss = timed(run, env, result)
        # RUSAGE_CHILDREN keeps the largest child so far: the no-op runs' peak is measured in a child of its own
        noops = []
        for _ in range(args.repeat):
            out = subprocess.run(
                [sys.executable, "-c", "import resource, subprocess, sys, time; t = time.perf_counter(); "
                 "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
                 "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)",
                 *run], env=env, capture_output=True, text=True, check=True).stdout.split()
            noops.append((float(out[0]), float(out[1])))
    wall = statistics.median(w for w, _ in noops)
    rss = max(r for _, r in noops)
    print(f"first run on a fresh file (stores the sources):  {first:6.2f} s wall, peak {first_rss:6.0f} MB "
          f"(load average {load_before:.2f} before it)")
    timings = result.get("timings", {})
    if "process_start_to_flow" in timings:
        startup, body = timings["process_start_to_flow"], result["seconds"]
        batches = timings.get("read_sources_and_batches", 0.0)
        print(f"  start-up (process start to flow body): {startup:6.2f} s; flow body {body:5.2f} s "
              f"(reading, cleaning, storing {batches:.2f} s; run checks, Data Docs, index "
              f"{sum(timings.get(k, 0.0) for k in ('run_checks', 'data_docs', 'search_index')):.2f} s); "
              f"shutdown {max(0.0, first - startup - body):5.2f} s")
        marks = sorted((v, k[len("startup_"):]) for k, v in timings.items()
                       if k.startswith("startup_") and not k.startswith("startup_cpu_"))
        if marks:
            print("  start-up steps (seconds since the process started): "
                  + ", ".join(f"{name} {at:.2f}" for at, name in marks) + f", flow {startup:.2f}")
        if "startup_cpu_api" in timings:
            print(f"  CPU seconds used when the API answered: this process {timings['startup_cpu_main']:.2f}, "
                  f"the temporary API {timings['startup_cpu_api']:.2f} (a quiet 2-core machine waits for the larger)")
        print(f"  fixed cost (start-up + shutdown): {first - body:6.2f} s  (target < 3 s); "
              f"wall minus the batches: {first - batches:6.2f} s")
    print(f"no-op run (median of {args.repeat}):       {wall:6.2f} s wall, peak {rss:6.0f} MB  (target < 3 s); "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"python -c 'import duckdb':        {floor:6.2f} s wall")
    print(f"ratio no-op / first run: {wall / first:.2f}; no-op / import-duckdb floor: {wall / floor:.2f}")


if __name__ == "__main__":
    main()
