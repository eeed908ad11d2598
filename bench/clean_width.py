"""Cleaning at full width (issue 12): do N worker processes deliver N x the single-core rate?

Run: ``python bench/clean_width.py [--rounds 2] [--workers 2]``.

The pages are the three dev sets of ``shared/eval`` (559 distinct pages, so no
copy is reused). Three ways, alternating over rounds, best of each kept:

- in-process: what a worker does per page (``_clean_and_pack``: clean, and
  compress the raw bytes) in a loop in this process: the single-core rate;
- the ``Cleaner`` with 1 worker process, then with N: the stage as a run uses
  it (pages sent to the workers, results and packed bytes back, per-page time
  limit), pool start-up excluded (it overlaps the raw checks in a run).

Prints the rates, N workers over N x the single-core rate (target >= 0.9),
the CPU time the main process spends per page while the workers clean, and
the load average (other processes on the machine take cores too: the ratio
only means something when the load average is below the number of cores).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)

    from eval_sets import load_all

    from flows.clean import Cleaner, _clean_and_pack, warm_worker
    from flows.records import RawDocument
    from flows.settings import Settings

    pages = load_all()
    docs = [RawDocument(source=f"bench://{p.set}/{p.key}", kind="html", content=p.html.encode("utf-8"), url=p.url)
            for p in pages]
    settings = Settings(workers=args.workers)
    warm_worker()
    cleaners = {}
    for n in (1, args.workers):
        cleaners[n] = Cleaner(Settings(workers=n), reuse_copies=False)  # every page cleaned
        cleaners[n].pool().start()
    print(f"{len(docs)} distinct pages (three dev sets); {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.2f} before")

    best = {"in-process": float("inf"), 1: float("inf"), args.workers: float("inf")}
    cpu_per_page = dict.fromkeys(best, float("inf"))
    main_cpu = float("inf")
    for _ in range(args.rounds):
        cpu, t = time.process_time(), time.perf_counter()
        for d in docs:
            _clean_and_pack(d, settings)
        best["in-process"] = min(best["in-process"], time.perf_counter() - t)
        cpu_per_page["in-process"] = min(cpu_per_page["in-process"], (time.process_time() - cpu) / len(docs))
        for n in sorted({1, args.workers}, reverse=True):
            pids = [w.proc.pid for w in cleaners[n].pool().workers]
            cpu, workers_cpu, t = time.process_time(), cpu_seconds(pids), time.perf_counter()
            cleaners[n].clean(docs)
            best[n] = min(best[n], time.perf_counter() - t)
            cpu_per_page[n] = min(cpu_per_page[n], (cpu_seconds(pids) - workers_cpu) / len(docs))
            if n == args.workers:
                main_cpu = min(main_cpu, time.process_time() - cpu)
    for c in cleaners.values():
        c.close()

    rate = {k: len(docs) / v for k, v in best.items()}
    single = rate["in-process"]
    print(f"in-process, one core (clean + pack)   : {single:7.1f} pages/s")
    print(f"Cleaner, 1 worker process             : {rate[1]:7.1f} pages/s  ({rate[1] / single:.2f} of one core)")
    if args.workers != 1:
        width = rate[args.workers] / (args.workers * single)
        print(f"Cleaner, {args.workers} worker processes            : {rate[args.workers]:7.1f} pages/s  "
              f"({width:.2f} of {args.workers} x one core; target >= 0.9)")
    print("CPU per page: in-process %.1f ms; in 1 worker %.1f ms; in %d workers %.1f ms (the workers' own "
          "overhead; the wall-time width also needs the cores free)" % (
              cpu_per_page["in-process"] * 1000, cpu_per_page[1] * 1000, args.workers,
              cpu_per_page[args.workers] * 1000))
    print(f"main process CPU while {args.workers} workers clean : {main_cpu / len(docs) * 1000:.2f} ms a page "
          f"({main_cpu:.2f} s for {len(docs)})")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
