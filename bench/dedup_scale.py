"""1,000 new articles against a stored corpus of 1,000,000: time and peak memory.

    python bench/dedup_scale.py [--stored 1000000] [--new 1000] [--db PATH] [--memory-limit 1GB]

Builds the stored index directly in bulk (Arrow tables inserted into DuckDB,
not executemany): 1,000 real articles with their real fingerprints (the
originals some new articles copy) plus filler rows with random fingerprints of
realistic size (400 shingles, 10 paragraphs, 42 band keys, ~50 anchors, 20
names per article, names drawn from a Zipf pool so common names exist). Then
a fresh process (so its peak RSS is the dedup stage's alone) runs
``dedup_batch`` on 1,000 new articles (10% copies of stored ones, planted
with the generator's patterns) in one transaction, and reports the time, peak
RSS and what was found. Look-ups run in DuckDB; Python holds only the batch.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from _dedup_common import peak_rss_mb, to_article

from flows import storage
from flows.dedup import dedup_batch
from flows.dedup.signatures import SIG_VERSION
from flows.settings import Settings
from flows.storage.writes import article_table

from flows.evaluation.corpus import COPY_PATTERNS, generate

SEED = 11
N_REAL = 1000


def _corpus(n_new: int):
    gen, _ = generate(N_REAL + n_new, seed=SEED, copy_rate=0.0, not_copy_rate=0.0)
    real = [to_article(g.key, g.text, g.published, g.title) for g in gen[:N_REAL]]
    rng = random.Random(SEED)
    new = []
    names = sorted(COPY_PATTERNS)
    for i, g in enumerate(gen[N_REAL:]):
        if i % 10 == 0:  # a copy of a stored article
            base = real[rng.randrange(N_REAL)]
            paras = COPY_PATTERNS[names[(i // 10) % len(names)]](base.text.split("\n\n"), rng,
                                                               lambda r: r.choice(gen[-1].text.split("\n\n")))
            new.append(to_article(f"new-{i:05d}", "\n\n".join(paras), base.published_date + dt.timedelta(days=3)))
        else:
            new.append(to_article(f"new-{i:05d}", g.text, g.published, g.title))
    return real, new


def build(path: str, n_stored: int, chunk: int = 100_000) -> None:
    """Write the stored index: real articles through dedup_batch, filler rows in bulk."""
    t0 = time.perf_counter()
    settings = Settings()
    real, _ = _corpus(0)
    con = storage.connect(path)
    con.execute("BEGIN TRANSACTION")
    storage.insert_arrow(con, "queries/articles/insert_articles", article_table(real), {"run_id": "build", "code_version": "bench"})
    dedup_batch(con, real, "build", settings)
    con.execute("COMMIT")
    rng = np.random.default_rng(SEED)
    n_ent_pool = 200_000
    zipf_p = 1.0 / np.arange(1, n_ent_pool + 1) ** 1.1
    zipf_p /= zipf_p.sum()
    ent_ids = rng.integers(1, 2**62, n_ent_pool, dtype=np.int64)
    start, day0 = N_REAL, np.datetime64("2023-01-01")
    bands = settings.num_perm // 3
    while start < n_stored:
        n = min(chunk, n_stored - start)
        nos = np.arange(start, start + n, dtype=np.int64)
        pub = day0 + rng.integers(0, 730, n).astype("timedelta64[D]")
        shingles = rng.integers(0, 2**32, (n, 400), dtype=np.uint32)
        para_ends = np.tile(np.arange(40, 401, 40, dtype=np.uint32), (n, 1))
        para_h = rng.integers(1, 2**62, (n, 10), dtype=np.int64)
        docs = pa.table({
            "doc_no": nos, "article_id": pa.array([f"filler-{x:07d}" for x in nos]),
            "text_hash": rng.integers(1, 2**62, n, dtype=np.int64), "n_tokens": np.full(n, 404, np.int32),
            "n_shingles": np.full(n, 400, np.int32),
            "shingles": pa.array([r.tobytes() for r in shingles], pa.binary()),
            "para_ends": pa.array([r.tobytes() for r in para_ends], pa.binary()),
            "para_hashes": pa.array([r.tobytes() for r in para_h], pa.binary()),
            "n_entities": np.full(n, 20, np.int32), "published_date": pa.array(pub.astype("datetime64[D]"), pa.date32()),
            "ingested_at": pa.array(np.full(n, np.datetime64("2024-06-01T00:00:00", "us")), pa.timestamp("us", tz="UTC")),
            "story_date": pa.array(pub.astype("datetime64[D]"), pa.date32()),
            "exact_of": pa.nulls(n, pa.int64()),
        })
        storage.insert_arrow(con, "queries/dedup/insert_docs", docs, {"sig_version": SIG_VERSION, "run_id": "filler"})
        storage.insert_arrow(con, "queries/dedup/insert_bands", pa.table({
            "band_key": rng.integers(1, 2**62, n * bands, dtype=np.int64), "doc_no": np.repeat(nos, bands)}))
        storage.insert_arrow(con, "queries/dedup/insert_anchors", pa.table({
            "anchor": rng.integers(1, 2**62, n * 50, dtype=np.int64), "doc_no": np.repeat(nos, 50)}))
        storage.insert_arrow(con, "queries/dedup/insert_paragraphs", pa.table({
            "para_hash": para_h.ravel(), "doc_no": np.repeat(nos, 10)}))
        terms = ent_ids[rng.choice(n_ent_pool, n * 20, p=zipf_p)]  # each filler story: 20 feature terms
        offsets = pa.array(np.arange(0, n * 20 + 1, 20), pa.int32())
        storage.insert_arrow(con, "queries/dedup/story_centroids_insert", pa.table({
            "story_id": pa.array([f"story-filler-{x:07d}" for x in nos], pa.string()),
            "terms": pa.ListArray.from_arrays(offsets, pa.array([f"t{t}" for t in terms], pa.string())),
            "weights": pa.ListArray.from_arrays(offsets, pa.array(rng.random(n * 20)))}))
        storage.insert_arrow(con, "queries/dedup/story_meta_upsert", pa.table({
            "story_id": pa.array([f"story-filler-{x:07d}" for x in nos]), "n_members": np.ones(n, np.int32),
            "first_published": pa.array(pub.astype("datetime64[D]"), pa.date32()),
            "last_published": pa.array(pub.astype("datetime64[D]"), pa.date32())}))
        storage.insert_arrow(con, "queries/dedup/insert_stories", pa.table({
            "story_id": pa.array([f"story-filler-{x:07d}" for x in nos]),
            "article_id": pa.array([f"filler-{x:07d}" for x in nos])}))
        start += n
        print(f"  stored {start:,} articles ({time.perf_counter() - t0:.0f} s)", flush=True)
    con.execute("INSERT INTO story_df SELECT term, count(DISTINCT story_id) FROM story_centroids GROUP BY term")
    storage.query(con, "queries/dedup/story_corpus_set", None, {"n_docs": start})
    con.execute("CHECKPOINT")
    con.close()
    size = Path(path).stat().st_size / 1e9
    print(f"built a stored index of {n_stored:,} articles in {time.perf_counter() - t0:.0f} s ({size:.1f} GB file)")


def measure(path: str, n_new: int, memory_limit: str) -> dict:
    """In this (fresh) process: dedup n_new articles against the stored index."""
    _, new = _corpus(n_new)
    settings = Settings()
    sigs = None
    con = storage.connect(path)
    con.execute(f"SET memory_limit = '{memory_limit}'")  # a fixed value, not user input
    con.execute("SET threads = 2")
    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    storage.insert_arrow(con, "queries/articles/insert_articles", article_table(new), {"run_id": "scale", "code_version": "bench"})
    report = dedup_batch(con, new, "scale", settings, sigs)
    con.execute("ROLLBACK")  # leave the stored index as built, so the bench can be re-run
    seconds = time.perf_counter() - t0
    con.close()
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak_rss_mb()), "rss_before_mb": round(rss_before),
            "report": report.as_dict()}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stored", type=int, default=1_000_000)
    ap.add_argument("--new", type=int, default=1000)
    ap.add_argument("--db", default=None, help="reuse/build the stored index here (default: a temp file)")
    ap.add_argument("--memory-limit", default="1GB", help="DuckDB memory_limit for the measured run")
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure_only:
        print(json.dumps(measure(args.db, args.new, args.memory_limit)))
        return
    tmp = None
    path = args.db
    if path is None:
        tmp = tempfile.TemporaryDirectory()
        path = os.path.join(tmp.name, "scale.duckdb")
    if not Path(path).exists():
        build(path, args.stored)
    out = subprocess.run([sys.executable, __file__, "--db", path, "--new", str(args.new), "--measure-only",
                          "--memory-limit", args.memory_limit], capture_output=True, text=True, check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    rep = r["report"]
    print(f"{args.new:,} new articles against {args.stored:,} stored: {r['seconds']} s, "
          f"peak RSS {r['peak_rss_mb']} MB (DuckDB memory_limit {args.memory_limit})")
    print(f"  found {rep['exact']} exact + {rep['near']} near copies of stored articles "
          f"(planted: {args.new // 10}); candidates {rep['candidates']}, verified {rep['verified']}, "
          f"passages {rep['passages']}, stage seconds {rep['seconds']}")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
