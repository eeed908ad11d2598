"""Clean-stage throughput on 2 cores against a bare serial trafilatura loop.

Run: ``python bench/clean_speed.py [--dev-dir PATH] [--repeat 3] [--rounds 2]``.

Both sides see the same pages (the extraction dev set, repeated): the
baseline is ``trafilatura.extract(html)`` with default settings in one
process, the way a script would do it; the clean stage is newsflow's
``Cleaner`` (decoding, extraction, post-filters, metadata, language) in its
worker processes. Rounds alternate and the best of each is kept, so the
ratio holds on a noisy machine. F1 is the dev-set metric of each side.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from flows.evaluation.extraction import DEFAULT_DEV_DIR, load_dev_pages, prf, score  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev-dir", default=str(DEFAULT_DEV_DIR))
    ap.add_argument("--repeat", type=int, default=3, help="times each page is processed per round")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)

    import trafilatura

    from flows.clean import Cleaner
    from flows.records import Article, RawDocument
    from flows.settings import Settings

    pages = load_dev_pages(args.dev_dir)
    work = [p for _ in range(args.repeat) for p in pages]
    docs = [
        RawDocument(source=f"bench://{i}/{pid}", kind="html", content=html.encode("utf-8"), url=url)
        for i, (pid, html, _truth, url) in enumerate(work)
    ]
    truth = {pid: t for pid, _h, t, _u in pages}
    cleaner = Cleaner(Settings(workers=args.workers), reuse_copies=False)  # every repeat cleaned
    t = time.perf_counter()
    cleaner.clean(docs[: args.workers * 2])  # start the pool: a one-off per run
    pool_start = time.perf_counter() - t

    best_bare = best_stage = float("inf")
    bare_out: dict = {}
    stage_out: dict = {}
    for _ in range(args.rounds):
        t = time.perf_counter()
        for pid, html, _t, url in work:
            bare_out[pid] = trafilatura.extract(html) or ""
        best_bare = min(best_bare, time.perf_counter() - t)
        t = time.perf_counter()
        results = cleaner.clean(docs)
        best_stage = min(best_stage, time.perf_counter() - t)
        for doc, res in zip(docs, results):
            stage_out[doc.source.rsplit("/", 1)[1]] = res.text if isinstance(res, Article) else ""
    cleaner.close()

    n = len(work)
    bare_pps, stage_pps = n / best_bare, n / best_stage
    _, _, f1_bare = prf(score(bare_out[pid], truth[pid]) for pid in truth)
    p, r, f1_stage = prf(score(stage_out[pid], truth[pid]) for pid in truth)
    print(f"pages per round: {n} ({len(pages)} dev pages x {args.repeat})")
    print(f"bare trafilatura.extract, serial : {bare_pps:7.1f} pages/s   F1 {f1_bare:.4f}")
    print(f"newsflow clean stage, {args.workers} workers : {stage_pps:7.1f} pages/s   F1 {f1_stage:.4f} (P {p:.4f}, R {r:.4f})")
    print(f"speed ratio (clean stage / bare)  : {stage_pps / bare_pps:.2f}x   (target >= 1.6x with F1 >= bare)")
    print(f"worker pool start (once per run)  : {pool_start:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
