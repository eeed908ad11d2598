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
import gzip
import json
import logging
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DEV_DIR = REPO.parent / "shared" / "eval" / "extraction-dev"
_TOKEN = re.compile(r"\w+", re.UNICODE)


def _shingles(text: str, n: int = 4) -> Counter:
    """Word n-grams with counts; a text of 1 to n-1 words is one short
    shingle, as in the benchmark's own evaluation script."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens)


def score(pred: str, truth: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page, divided by tp + fp + fn (all 0 if both empty)."""
    p, t = _shingles(pred), _shingles(truth)
    tp = sum((p & t).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    if total == 0:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def prf(scores: Iterable[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Benchmark P, R, F1 over pages: pages with nothing predicted are left out
    of the precision mean and count 0 in the recall mean."""
    scores = list(scores)
    precisions = [tp / (tp + fp) for tp, fp, _ in scores if tp + fp > 0]
    recalls = [tp / (tp + fn) if tp + fn > 0 else 0.0 for tp, _, fn in scores]
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


def load_dev_pages(dev_dir: str | Path = DEFAULT_DEV_DIR) -> list[tuple[str, str, str, str | None]]:
    """[(page id, HTML, true article text, URL)] sorted by id."""
    dev_dir = Path(dev_dir)
    truth = json.loads((dev_dir / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        raw = gzip.decompress((dev_dir / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append((page_id, raw.decode("utf-8", "replace"), truth[page_id]["articleBody"], truth[page_id].get("url")))
    return pages


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
    sys.path.insert(0, str(REPO))
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
