"""Extraction quality: the ScrapingHub article-extraction benchmark's metric, and its dev set.

Word 4-gram shingles with counts; tp/fp/fn per page divided by their sum so
every page weighs the same; P and R are means over pages and F1 the harmonic
mean of the two means. Used by bench/extraction_f1.py and the tests.
"""
from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path
from typing import Iterable

from ..settings import PROJECT_DIR

DEFAULT_DEV_DIR = PROJECT_DIR.parent / "shared" / "eval" / "extraction-dev"
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
