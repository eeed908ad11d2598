"""The clean stage's choices that are fitted on the dev sets, not hand-set.

- ``fallback_below``: when trafilatura's fast extractor returns less than
  this share of the paragraph text of the page's main container, its full
  mode (readability and jusText comparison) is asked instead. Low enough
  that few pages pay for the second extraction.
- ``drop_lead_heading``: drop headings that come before the first paragraph
  (a kicker or a section label), keep them (a standfirst written as a
  heading is part of the article for some publishers), or "short": drop
  only those shorter than a sentence.

The values live in ``tuned.json`` beside this module, written by
``bench/clean_eval.py --write-params`` from a fit on all dev pages; the
bench reports them cross-validated by site (fit on k-1 folds of sites, score
the held-out fold). ``fit`` and ``choose`` are what the bench calls: the
candidates of a page come from ``html.extract_candidates``.
"""
from __future__ import annotations

import itertools
import json
from functools import lru_cache
from pathlib import Path
from typing import Callable

PARAMS_FILE = Path(__file__).with_name("tuned.json")
DEFAULTS = {"fallback_below": 0.3, "drop_lead_heading": True}
# The grid searched; the first value of each is preferred on ties (the cheaper
# or the earlier behaviour).
GRID = {
    "fallback_below": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
    "drop_lead_heading": (True, "short", False),
}
MAX_FALLBACK_BELOW = max(GRID["fallback_below"])  # candidates are explored up to here


@lru_cache(maxsize=1)
def params() -> dict:
    """The shipped values (defaults for anything the file does not set)."""
    found = json.loads(PARAMS_FILE.read_text(encoding="utf-8")) if PARAMS_FILE.exists() else {}
    return {**DEFAULTS, **{k: v for k, v in found.items() if k in DEFAULTS}}


def candidate_key(fallback: bool, drop_heading: bool | str) -> str:
    drop = "short" if drop_heading == "short" else "drop" if drop_heading else "keep"
    return f"{'fallback' if fallback else 'fast'}|{drop}"


def choose(candidates: dict, chosen: dict) -> str:
    """The text the stage gives for a page under the values ``chosen``."""
    texts = candidates["texts"]
    drop = chosen["drop_lead_heading"]
    share = candidates["share"][candidate_key(False, drop)]
    use_fallback = share < chosen["fallback_below"] and candidate_key(True, drop) in texts
    return texts[candidate_key(use_fallback, drop)]


def fit(candidates: list[dict], truths: list[str], metric: Callable[[list[str], list[str]], float]) -> dict:
    """The grid point with the best ``metric(texts, truths)`` over these pages."""
    best, best_score = None, float("-inf")
    for values in itertools.product(*GRID.values()):
        chosen = dict(zip(GRID, values))
        value = metric([choose(c, chosen) for c in candidates], truths)
        if value > best_score + 1e-9:
            best, best_score = chosen, value
    return best
