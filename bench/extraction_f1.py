"""Score the HTML extractor on the extraction dev set, and time it.

Run: ``python bench/extraction_f1.py [--dev-dir PATH] [--limit N]``.

The metric is the ScrapingHub article-extraction benchmark's (see the dev
set's README): word 4-gram shingles with counts, tp/fp/fn per page divided by
their sum so every page weighs the same; P and R are means over pages and F1
is the harmonic mean of the two means. Speed is single-core pages/s of the
bare ``trafilatura.extract(html)`` default and of ``extract_html``, measured
in the same run as CPU time of this process (``time.process_time``), in
alternating rounds keeping the best, so the ratio holds on a shared machine.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from flows.evaluation.extraction import DEFAULT_DEV_DIR, load_dev_pages, prf, score  # noqa: E402


def run(pages, extractor: Callable[[str, str | None], str]) -> tuple[list[tuple[float, float, float]], float, list[str]]:
    """Scores per page, seconds spent extracting, and the texts."""
    scores, texts, spent = [], [], 0.0
    for _pid, html, truth, url in pages:
        start = time.process_time()
        text = extractor(html, url) or ""
        spent += time.process_time() - start
        texts.append(text)
        scores.append(score(text, truth))
    return scores, spent, texts


def bare_default(html: str, url: str | None) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


def ours(html: str, url: str | None) -> str:
    from flows.clean.html import extract_html

    return extract_html(html, url).text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev-dir", default=str(DEFAULT_DEV_DIR))
    ap.add_argument("--limit", type=int, default=0, help="score only the first N pages")
    ap.add_argument("--rounds", type=int, default=3, help="timing rounds (alternating, best kept)")
    ap.add_argument("--worst", type=int, default=0, help="list the N pages with the lowest F1 for extract_html")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)  # trafilatura logs every page it discards
    pages = load_dev_pages(args.dev_dir)
    if args.limit:
        pages = pages[: args.limit]
    # Warm up imports and lazy models so neither side pays them in the timing.
    bare_default(pages[0][1], pages[0][3])
    ours(pages[0][1], pages[0][3])
    times = {"bare": [], "ours": []}
    results = {}
    for _ in range(max(1, args.rounds)):  # alternate so both see the same machine load
        for name, fn in (("bare", bare_default), ("ours", ours)):
            scores, spent, texts = run(pages, fn)
            times[name].append(spent)
            results[name] = (scores, texts)
    print(f"{len(pages)} pages from {args.dev_dir}")
    print(f"{'extractor':<28}{'P':>8}{'R':>8}{'F1':>8}{'pages/s':>10}")
    for name, label in (("bare", "trafilatura.extract default"), ("ours", "extract_html")):
        p, r, f1 = prf(results[name][0])
        print(f"{label:<28}{p:8.4f}{r:8.4f}{f1:8.4f}{len(pages) / min(times[name]):10.1f}")
    ratio = min(times["ours"]) / min(times["bare"])
    print(f"single-core cost of extract_html / bare default: {ratio:.3f}x (budget about 1.15x)")
    if args.worst:
        ranked = sorted(
            zip(pages, results["ours"][0], results["bare"][0]),
            key=lambda x: prf([x[1]])[2],
        )
        for (pid, _h, _t, url), s, b in ranked[: args.worst]:
            print(f"  {pid[:12]} ours F1 {prf([s])[2]:.3f} bare {prf([b])[2]:.3f}  {url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
