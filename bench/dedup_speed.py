"""Speed of the dedup stage, and rensa vs datasketch MinHash; the whole run vs a datasketch script.

    python bench/dedup_speed.py [--n 20000] [--batch 2000] [--sig-docs 2000]
    python bench/dedup_speed.py --whole-run [--n 20000] [--parts 5] [--threshold 0.5] [--keep DIR]

``--whole-run`` (issue 12): writes the generated corpus as text files in ``--parts``
folders, then, each as a subprocess with a fresh database, as a user runs them:
``newsflow run`` over all of it (start-up, checks and the search index included),
the plain datasketch MinHashLSH script over the same files
(bench/datasketch_baseline.py), and ``newsflow run`` once per folder in turn (the
stored corpus growing). Prints wall times and their ratio, the per-stage breakdown
from the run's own timings, the peak RSS of each whole process tree (workers
included), pair precision and recall of both against the planted clusters, the
dedup time per article of each successive run, and whether the successive runs
gave exactly the tables of the one run.

Generates a synthetic corpus with planted copies (flows/evaluation/corpus.py), stores
the articles in a temp DuckDB file, then times ``dedup_batch`` over it batch by
batch (each batch in one transaction, as the pipeline does): articles/s for
the whole stage. Then signatures/s for the same documents with rensa (what
the stage uses) and datasketch (the baseline), in the same run.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _dedup_common import to_article

from flows import storage
from flows.dedup import compute_signatures, dedup_batch
from flows.settings import Settings
from flows.storage.writes import article_table

from flows.evaluation.corpus import generate


def _signatures(chunk, settings):
    return compute_signatures(chunk, settings)


def pipelined(con, arts, batch: int, settings) -> tuple[float, int]:
    """Signatures of batch i+1 computed in two worker processes while batch i is written."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from flows.dedup import BatchSignatures

    batches = [arts[i:i + batch] for i in range(0, len(arts), batch)]
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        list(pool.map(_signatures, [arts[:2], arts[2:4]], [settings, settings]))  # start the workers first

        def submit(b):
            half = len(b) // 2
            return [pool.submit(_signatures, b[:half], settings), pool.submit(_signatures, b[half:], settings)]

        t0 = time.perf_counter()
        pending = submit(batches[0])
        for k, b in enumerate(batches):
            sigs = BatchSignatures.concat([f.result() for f in pending])
            if k + 1 < len(batches):
                pending = submit(batches[k + 1])
            con.execute("BEGIN TRANSACTION")
            dedup_batch(con, b, "bench", settings, sigs)
            con.execute("COMMIT")
        total = time.perf_counter() - t0
    return total, con.execute("SELECT count(*) FROM duplicates").fetchone()[0]


PSS = {}  # command name -> peak summed PSS (MB) of its process tree, last run


def _tree_peak_mb(proc) -> tuple[float, float, float]:
    """Peak of the summed RSS of a process and all its descendants, polled until it exits, the
    CPU seconds (user + system) each process of the tree was last seen with, summed, and the peak
    of the summed PSS (every fourth poll: smaps is slower to read). RSS counts a page shared by
    several processes (the cleaning workers share their forkserver's imports, every process
    libpython's code) once per process; PSS divides it among them, so the PSS sum is the
    memory the tree really holds."""
    import psutil

    peak = peak_pss = 0
    polls = 0
    cpu: dict[int, float] = {}
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        total = total_pss = 0
        with_pss = polls % 4 == 0
        try:
            for p in [root, *root.children(recursive=True)]:
                try:
                    with p.oneshot():
                        total += p.memory_info().rss
                        times = p.cpu_times()
                    if with_pss:
                        total_pss += p.memory_full_info().pss
                    cpu[p.pid] = max(cpu.get(p.pid, 0.0), times.user + times.system)
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        peak = max(peak, total)
        peak_pss = max(peak_pss, total_pss)
        polls += 1
        time.sleep(0.05)
    return peak / 2**20, sum(cpu.values()), peak_pss / 2**20


CPU = {}  # command name -> CPU seconds (user + system) of its whole process tree, last run


def _timed(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """Wall seconds, peak tree RSS (MB) and stdout of one command run as a user runs it; its CPU
    seconds (workers included) go to CPU, a figure that other processes on the machine inflate
    far less than the wall time. The rusage of waited-for descendants misses workers that a
    forkserver started (their parent is not this process's child that waits for them), so the
    larger of it and the per-process CPU polled with the RSS is taken."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        peak, polled_cpu, peak_pss = _tree_peak_mb(proc)
        wall = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    waited_cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    name = Path(cmd[1]).name if cmd[1] != "-m" else cmd[2]
    CPU[name] = max(waited_cpu, polled_cpu)
    PSS[name] = peak_pss
    return wall, peak, stdout


def _closure(pairs) -> set[tuple[str, str]]:
    """Every pair inside the groups the given pairs connect (both sides judged on clusters)."""
    import itertools

    from flows.dedup.unionfind import UnionFind

    sets = UnionFind()
    for a, b in pairs:
        sets.union(a, b)
    groups = sets.components(list(sets.parent)).values()
    return {p for g in groups for p in itertools.combinations(sorted(g), 2)}


def _pr(found: set, truth: set) -> str:
    tp = len(found & truth)
    return (f"precision {tp / len(found) if found else 1.0:.3f}, recall {tp / len(truth) if truth else 1.0:.3f} "
            f"({len(found)} pairs found, {len(truth)} true)")


def _newsflow_pairs(db: Path) -> set[tuple[str, str]]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT a.source, c.source FROM duplicates d JOIN articles a ON a.article_id = d.article_id "
                       "JOIN articles c ON c.article_id = d.canonical_id").fetchall()
    con.close()
    return _closure((Path(a).stem, Path(c).stem) for a, c in rows)


def _dedup_tables(db: Path) -> dict:
    """The dedup and story tables of a database (deterministic dump), to compare split runs with one run."""
    import duckdb

    from table_snapshot import dump_connection

    con = duckdb.connect(str(db), read_only=True)
    skip = tuple(r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name <> 'main' OR table_name IN "
        "('runs', 'dq_results', 'raw_articles', 'articles', 'quarantine', 'fetch_state', 'pending_work')").fetchall())
    out = dump_connection(con, skip)
    con.close()
    return out


def whole_run(args) -> None:
    """The issue-12 comparison: newsflow run vs a datasketch script, and successive runs."""
    import json
    import shutil
    import sys

    from flows.evaluation.corpus import write

    repo = Path(__file__).resolve().parent.parent
    work = args.keep or Path(tempfile.mkdtemp(prefix="newsflow-whole-"))
    corpus = work / f"corpus-{args.n}-{args.parts}"
    articles = corpus / "articles"
    if not (corpus / "clusters.jsonl").exists():
        gen, labels = generate(args.n, seed=1)
        write(gen, labels, corpus, "txt")
        files = sorted(articles.glob("*.txt"))
        size = -(-len(files) // args.parts)
        for i, f in enumerate(files):  # parts in generation order: reading them in turn gives the same order
            (articles / f"part-{i // size}").mkdir(exist_ok=True)
            f.rename(articles / f"part-{i // size}" / f.name)
    truth_rows = [json.loads(line) for line in open(corpus / "clusters.jsonl", encoding="utf-8")]
    by_cluster: dict[str, list[str]] = {}
    for r in truth_rows:
        by_cluster.setdefault(r["cluster"], []).append(r["key"])
    truth = _closure((m[0], x) for m in by_cluster.values() for x in m[1:])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    newsflow = [sys.executable, "-m", "flows", "run", "--json", "--no-progress"]

    def fresh(name: str) -> Path:
        db = work / name
        for suffix in ("", ".wal", ".run.lock"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        shutil.rmtree(work / "quality", ignore_errors=True)
        return db

    load0 = os.getloadavg()
    db_one = fresh("one.duckdb")
    wall, peak, out = _timed([*newsflow, str(articles), "--db", str(db_one)], env)
    result = json.loads(out[out.index("{"):])
    pairs_tsv = work / "datasketch-pairs.tsv"
    base_wall, base_peak, _ = _timed([sys.executable, str(repo / "bench" / "datasketch_baseline.py"), str(articles),
                                      str(pairs_tsv), "--threshold", str(args.threshold)], env)
    base_pairs = _closure(tuple(line.split()) for line in open(pairs_tsv, encoding="utf-8"))
    load1 = os.getloadavg()
    counts, timings = result["counts"], result.get("timings", {})
    print(f"{args.n:,} text documents with planted near copies, 2 cores; load average "
          f"{load0[0]:.2f} before, {load1[0]:.2f} after (1-min)")
    print(f"newsflow run (whole command, fresh DuckDB file): {wall:6.1f} s wall, peak RSS of the process tree "
          f"{peak:,.0f} MB; {counts.get('articles', 0)} articles, {counts.get('duplicates', 0)} duplicates")
    print(f"  peak PSS of the process tree (shared pages divided among the processes): "
          f"{PSS['flows']:,.0f} MB (target < 1 GB)")
    print(f"datasketch MinHashLSH script (threshold {args.threshold}): {base_wall:6.1f} s wall, "
          f"peak RSS {base_peak:,.0f} MB, PSS {PSS['datasketch_baseline.py']:,.0f} MB")
    print(f"  ratio newsflow / datasketch: {wall / base_wall:.2f} (target <= 1.0, goal 0.5)")
    cpu_nf, cpu_ds = CPU["flows"], CPU["datasketch_baseline.py"]
    print(f"  CPU seconds of each process tree: newsflow {cpu_nf:.1f}, datasketch {cpu_ds:.1f}: "
          f"ratio {cpu_nf / cpu_ds:.2f} (newsflow uses 2 cores, the script 1)")
    print(f"  pairs, newsflow:   {_pr(_newsflow_pairs(db_one), truth)}")
    print(f"  pairs, datasketch: {_pr(base_pairs, truth)}")
    print(f"  inside the flow {result['seconds']:.1f} s; outside it (start-up, Prefect, shutdown) "
          f"{wall - result['seconds']:.1f} s; stages (seconds, summed over batches; clean is worker time):")
    for stage, seconds in sorted(timings.items(), key=lambda kv: -kv[1]):
        print(f"    {stage:<26} {seconds:7.2f}")
    print(f"    {'(dedup inside store_and_dedup)':<26} {counts.get('dedup_seconds', 0):7.2f}")

    if args.skip_successive:
        return
    db_split = fresh("split.duckdb")
    parts = sorted(articles.glob("part-*"))
    print(f"successive runs: {len(parts)} runs of about {args.n // len(parts):,} documents into one database")
    for i, part in enumerate(parts):
        w, p, out = _timed([*newsflow, str(part), "--db", str(db_split)], env)
        c = json.loads(out[out.index("{"):])["counts"]
        per = c.get("dedup_seconds", 0) / max(1, c.get("dedup_articles", 0)) * 1000
        print(f"  run {i + 1}: {c.get('dedup_articles', 0):,} new against {i * (args.n // len(parts)):,} stored: "
              f"dedup {per:.2f} ms per article, {c.get('duplicates', 0)} duplicates; {w:.1f} s wall, "
              f"peak {p:,.0f} MB; load {os.getloadavg()[0]:.2f}")
    one, split = _dedup_tables(db_one), _dedup_tables(db_split)
    differ = [t for t in sorted(set(one) | set(split)) if one.get(t) != split.get(t)]
    print("  dedup and story tables of the successive runs vs the one run: "
          + (f"differ: {differ}" if differ else f"identical ({', '.join(sorted(one))})"))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--whole-run", action="store_true", help="newsflow run vs a datasketch script (see above)")
    ap.add_argument("--parts", type=int, default=5, help="--whole-run: successive runs")
    ap.add_argument("--threshold", type=float, default=0.5, help="--whole-run: the datasketch LSH threshold")
    ap.add_argument("--keep", type=Path, help="--whole-run: write the corpus and databases here")
    ap.add_argument("--skip-successive", action="store_true", help="--whole-run: only the one run and the script")
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--sig-docs", type=int, default=1000, help="documents for the rensa/datasketch comparison")
    args = ap.parse_args(argv)
    if args.whole_run:
        return whole_run(args)
    settings = Settings()
    gen, _ = generate(args.n, seed=3)
    arts = [to_article(g.key, g.text, g.published, g.title) for g in gen]
    words = sum(a.word_count for a in arts) / len(arts)
    with tempfile.TemporaryDirectory() as tmp:
        con = storage.connect(Path(tmp) / "bench.duckdb")
        for i in range(0, len(arts), 5000):
            storage.insert_arrow(con, "queries/articles/insert_articles", article_table(arts[i:i + 5000]),
                            {"run_id": "bench", "code_version": "bench"})
        total, cpu, reports = 0.0, 0.0, []
        for i in range(0, len(arts), args.batch):
            chunk = arts[i:i + args.batch]
            t0, c0 = time.perf_counter(), time.process_time()
            con.execute("BEGIN TRANSACTION")
            reports.append(dedup_batch(con, chunk, "bench", settings))
            con.execute("COMMIT")
            total += time.perf_counter() - t0
            cpu += time.process_time() - c0
        n_dup = con.execute("SELECT count(*) FROM duplicates").fetchone()[0]
        con.close()
        con = storage.connect(Path(tmp) / "bench2.duckdb")
        for i in range(0, len(arts), 5000):
            storage.insert_arrow(con, "queries/articles/insert_articles", article_table(arts[i:i + 5000]),
                            {"run_id": "bench", "code_version": "bench"})
        total2, n_dup2 = pipelined(con, arts, args.batch, settings)
        con.close()
    print(f"dedup stage: {len(arts)} articles ({words:.0f} words avg) in {total:.2f} s "
          f"= {len(arts) / total:,.0f} articles/s (batches of {args.batch}); {n_dup} duplicates; "
          f"candidates {sum(r.candidates for r in reports)}, verified {sum(r.verified for r in reports)}")
    print(f"  CPU time (all threads of the process, robust to other load on the machine): {cpu:.2f} s "
          f"= {len(arts) / cpu:,.0f} articles per CPU-second; load average now {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} cores")
    print(f"dedup stage on 2 cores (signatures in 2 worker processes, overlapped with the writer): "
          f"{len(arts) / total2:,.0f} articles/s; {n_dup2} duplicates (same as one process: {n_dup2 == n_dup})")
    sub = arts[: args.sig_docs]
    t0 = time.perf_counter()
    compute_signatures(sub, settings)
    t_ours = time.perf_counter() - t0
    # rensa vs datasketch on the same shingle strings (the libraries' own hashing)
    from flows.dedup.normalise import normalise
    import re

    shingle_sets = []
    for a in sub:
        toks = re.findall(r"\w+", normalise(a.text))
        shingle_sets.append([" ".join(toks[j:j + settings.shingle_size]) for j in range(max(1, len(toks) - 4))])
    import rensa
    from datasketch import MinHash

    t0 = time.perf_counter()
    for s in shingle_sets:
        m = rensa.RMinHash(num_perm=settings.num_perm, seed=42)
        m.update(s)
        m.digest()
    t_rensa = time.perf_counter() - t0
    t0 = time.perf_counter()
    for s in shingle_sets:
        m = MinHash(num_perm=settings.num_perm, seed=42)
        m.update_batch([x.encode() for x in s])
    t_ds = time.perf_counter() - t0
    n = len(sub)
    print(f"signatures ({n} docs, {settings.num_perm} perms, word {settings.shingle_size}-grams, shingles given): "
          f"rensa {n / t_rensa:,.0f} docs/s, datasketch {n / t_ds:,.0f} docs/s: rensa {t_ds / t_rensa:.0f}x faster")
    print(f"our compute_signatures (tokenise + shingle + rensa, from raw text): {n / t_ours:,.0f} docs/s")


if __name__ == "__main__":
    main()
