"""Speed of the dedup stage, and rensa vs datasketch MinHash.

    python bench/dedup_speed.py [--n 20000] [--batch 2000] [--sig-docs 2000]

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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--sig-docs", type=int, default=1000, help="documents for the rensa/datasketch comparison")
    args = ap.parse_args(argv)
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
    sig_t = sum(r.seconds for r in reports)
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
