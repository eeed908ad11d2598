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

Both modes also run N copies of the in-process loop at once, in N forked processes
with nothing else to do (no pool, no pipeline, no main process): the machine's own
width. On a virtual machine whose cores are shared with other guests (hyperthreads or
a busy host), N busy processes each run slower than one alone, and no pipeline can
beat that; the run's width over the machine's width is what the pipeline itself loses.

``--whole-run``: the same pages written as .html files and ingested by
``newsflow run`` (a fresh process and database, N workers), as a user runs
it: the clean stage's rate over the whole run (distinct pages over the
seconds the run spent cleaning: ``timings.clean``, worker start included,
the workers' signing for dedup not) against N x the in-process rate on the
same documents, measured in this bench run before and after the run (the
faster of the two); with the workers' CPU seconds per page and the CPU the run's own
process used per page meanwhile (reading, checks, store and dedup of the
batch before), which shares the cores with the workers.
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


def _loop_in_child(docs, settings, conn) -> None:
    from flows.clean import _clean_and_pack

    conn.recv()  # every child starts at once
    cpu = time.process_time()
    for d in docs:
        _clean_and_pack(d, settings)
    conn.send(time.process_time() - cpu)


def parallel_loops(docs, settings, n: int) -> tuple[float, float]:
    """N copies of the in-process loop at once, each over every page, in N forked processes
    (imports and warm-up done before the fork, as in the single-core loop): pages/s summed over
    the N, and CPU per page. The most N cleaning processes can give on this machine now."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    pipes, procs = [], []
    for _ in range(n):
        here, there = ctx.Pipe()
        p = ctx.Process(target=_loop_in_child, args=(docs, settings, there))
        p.start()
        pipes.append(here)
        procs.append(p)
    t = time.perf_counter()
    for c in pipes:
        c.send("go")
    cpu = [c.recv() for c in pipes]
    wall = time.perf_counter() - t
    for p in procs:
        p.join()
    return n * len(docs) / wall, sum(cpu) / (n * len(docs))


def print_machine_width(docs, settings, n: int, single: float) -> float:
    rate, cpu = parallel_loops(docs, settings, n)
    print(f"{n} in-process loops at once (forked, nothing else running in them): {rate:6.1f} pages/s = "
          f"{rate / (n * single):.2f} of {n} x one core (the machine's own width), CPU {cpu * 1000:.1f} ms a "
          f"page; load average {os.getloadavg()[0]:.2f}")
    return rate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--whole-run", action="store_true", help="the clean stage inside a whole `newsflow run`")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)
    if args.whole_run:
        return whole_run(args.workers)

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
        machine = print_machine_width(docs, settings, args.workers, single)
        print(f"  against {args.workers} loops at once (the machine's width): {rate[args.workers] / machine:.2f}")
    print("CPU per page: in-process %.1f ms; in 1 worker %.1f ms; in %d workers %.1f ms (the workers' own "
          "overhead; the wall-time width also needs the cores free)" % (
              cpu_per_page["in-process"] * 1000, cpu_per_page[1] * 1000, args.workers,
              cpu_per_page[args.workers] * 1000))
    print(f"main process CPU while {args.workers} workers clean : {main_cpu / len(docs) * 1000:.2f} ms a page "
          f"({main_cpu:.2f} s for {len(docs)})")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


def whole_run(workers: int) -> int:
    """The clean stage's width inside a whole ``newsflow run`` over the dev pages."""
    import tempfile

    from eval_sets import load_all
    from pipeline_throughput import run_newsflow

    from flows.clean import _clean_and_pack, warm_worker
    from flows.settings import Settings
    from flows.sources import iter_local_documents, resolve_sources

    with tempfile.TemporaryDirectory(prefix="newsflow-width-") as tmp:
        folder = Path(tmp) / "pages"
        for p in load_all():
            path = folder / p.set / f"{p.key}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(p.html.encode("utf-8"))
        settings = Settings(workers=workers, db_path=str(Path(tmp) / "n.duckdb"))
        docs = list(iter_local_documents(resolve_sources([str(folder)], settings).local, settings))
        warm_worker()
        print(f"{len(docs)} distinct pages as .html files; {os.cpu_count()} cores; "
              f"load average {os.getloadavg()[0]:.2f} before")

        def single_core(when: str) -> float:
            cpu, t = time.process_time(), time.perf_counter()
            for d in docs:
                _clean_and_pack(d, settings)
            single_wall, single_cpu = time.perf_counter() - t, time.process_time() - cpu
            print(f"in-process, one core (clean + pack), {when}: {len(docs) / single_wall:6.1f} pages/s, CPU "
                  f"{single_cpu / len(docs) * 1000:.1f} ms a page; load average {os.getloadavg()[0]:.2f}")
            return len(docs) / single_wall

        before = single_core("before the run")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "NEWSFLOW_"))}
        env.update(NEWSFLOW_WORKERS=str(workers), PREFECT_HOME=str(Path(tmp) / "prefect-home"),
                   PREFECT_SERVER_ANALYTICS_ENABLED="false")
        run_newsflow(folder, Path(tmp) / "warm-up.duckdb", env)  # Prefect creates its own database once
        load0 = os.getloadavg()[0]
        wall, result, _ = run_newsflow(folder, Path(settings.db_path), env)
        # the faster of two measurements, around the run: a slow moment of the machine must not
        # lower the single-core rate and so flatter the run's width
        single = max(before, single_core("after the run"))
        machine = print_machine_width(docs, settings, workers, single) if workers > 1 else None
    counts, timings = result["counts"], result["timings"]
    cleaned = counts["new"] - counts.get("clean_reused", 0)
    clean_s = timings["clean"]
    rate = cleaned / clean_s
    print(f"newsflow run, {workers} workers: {wall:.1f} s wall (load average {load0:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after); {cleaned} pages cleaned in {clean_s:.1f} s of the run "
          f"(the flow waited {timings.get('clean_wait', 0):.1f} s of them)")
    print(f"  clean stage over the whole run: {rate:6.1f} pages/s = {rate / (workers * single):.2f} of "
          f"{workers} x one core, the faster of the two (target >= 0.9)")
    if machine:
        print(f"  against {workers} in-process loops at once (the machine's width): {rate / machine:.2f} "
              f"(what the pipeline itself loses: worker start, the flow's own work beside them, the API)")
    if "signatures_in_workers" in timings:
        print(f"  (not in the clean stage's time: the workers signing the cleaned batches for dedup, "
              f"{timings['signatures_in_workers']:.2f} s)")
    if "clean_workers_cpu" in timings:
        wcpu = timings["clean_workers_cpu"]
        print(f"  workers' CPU: {wcpu / cleaned * 1000:.1f} ms a page (imports included), busy "
              f"{wcpu / (workers * clean_s):.0%} of the time the run was cleaning")
    if "read_sources_and_batches_cpu" in timings:
        mcpu = timings["read_sources_and_batches_cpu"]
        print(f"  the run's own process meanwhile: {mcpu / cleaned * 1000:.1f} ms CPU a page (reading, raw and clean "
              f"checks, store and dedup), {mcpu / timings['read_sources_and_batches']:.0%} of a core")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
