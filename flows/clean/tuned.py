"""The clean stage's choices that are fitted on the dev sets, not hand-set.

- ``fallback_below``: when trafilatura's fast extractor returns less than
  this share of the paragraph text of the page's main container, its full
  mode (readability and jusText comparison) is asked instead. Low enough
  that few pages pay for the second extraction.
- ``fallback_main_below``: the full mode is also asked when the page's main
  container holds fewer paragraph characters than this (0: never) and its
  ``<div>``s written as paragraphs (inline content only) hold more text than
  ``fallback_div_ratio`` times what the fast extractor kept: a page written
  without ``<p>``, whose article the fast extractor misses (the share above
  is no signal there, as the main container is not the article's). The
  largest ratio is preferred on ties: it asks the full mode least often;
  the grid stops at 1,000 characters and 1.5x because a limit of 2,000 or
  a ratio of 1.0 asked it on 13-20 of the 559 dev pages (2-4% more CPU a
  page) for one page improved.
- ``drop_lead_heading``: drop headings that come before the first paragraph
  (a kicker or a section label), keep them (a standfirst written as a
  heading is part of the article for some publishers), or "short": drop
  only those shorter than a sentence.
- ``wrap_loose_text``: give text written straight into a container (no
  ``<p>``) a paragraph of its own so the extractor sees it, or leave it (it
  is often a disclaimer or a caption).
- ``merge_split_body``: rejoin an article body split into sibling
  containers (ads between the parts), or leave the page as it is.

Ties on the dev pages go to the first value of each choice in ``GRID``,
except the share, which goes to the middle of the tied range (the widest
margin on both sides).

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
DEFAULTS = {"fallback_below": 0.3, "fallback_main_below": 0, "fallback_div_ratio": 2.0, "drop_lead_heading": False,
            "wrap_loose_text": True, "merge_split_body": True}
# The grid searched; the first value of each is preferred on ties (the cheaper
# or the earlier behaviour).
GRID = {
    "fallback_below": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
    "fallback_main_below": (0, 250, 500, 1000),
    "fallback_div_ratio": (2.0, 1.5),
    "drop_lead_heading": ("short", False),
    "wrap_loose_text": (True, False),
    "merge_split_body": (True, False),
}
MAX_FALLBACK_BELOW = max(GRID["fallback_below"])  # candidates are explored up to here
MAX_FALLBACK_MAIN_BELOW = max(GRID["fallback_main_below"])
MIN_FALLBACK_DIV_RATIO = min(GRID["fallback_div_ratio"])


@lru_cache(maxsize=1)
def params() -> dict:
    """The shipped values (defaults for anything the file does not set)."""
    found = json.loads(PARAMS_FILE.read_text(encoding="utf-8")) if PARAMS_FILE.exists() else {}
    return {**DEFAULTS, **{k: v for k, v in found.items() if k in DEFAULTS}}


def prefix(wrap: bool, merge: bool) -> str:
    """The part of a candidate's key naming the steps run before extraction."""
    return f"{'wrap' if wrap else 'nowrap'}|{'merge' if merge else 'nomerge'}|"


def candidate_key(wrap: bool, merge: bool, fallback: bool, drop_heading: bool | str) -> str:
    drop = "short" if drop_heading == "short" else "drop" if drop_heading else "keep"
    return f"{prefix(wrap, merge)}{'fallback' if fallback else 'fast'}|{drop}"


def choose(candidates: dict, chosen: dict) -> str:
    """The text the stage gives for a page under the values ``chosen``."""
    texts = candidates["texts"]
    steps = (chosen["wrap_loose_text"], chosen["merge_split_body"])
    drop = chosen["drop_lead_heading"]
    key = candidate_key(*steps, False, drop)
    use_fallback = (
        candidates["share"][key] < chosen["fallback_below"]
        or written_without_paragraphs(candidates.get("main", {}).get(key), candidates.get("div", {}).get(key),
                                      len(texts[key]), chosen["fallback_main_below"], chosen["fallback_div_ratio"])
    ) and candidate_key(*steps, True, drop) in texts
    return texts[candidate_key(*steps, use_fallback, drop)]


def written_without_paragraphs(main_chars: int | None, div_chars: int | None, kept_chars: int, below: int,
                               ratio: float) -> bool:
    """The ``fallback_main_below`` test: a small main container, and
    ``ratio`` times more text in paragraph-like ``<div>``s than the fast
    extractor kept."""
    return (main_chars is not None and main_chars < below and div_chars is not None
            and div_chars > ratio * kept_chars)


def fit(candidates: list[dict], truths: list[str], metric: Callable[[list[str], list[str]], float]) -> dict:
    """The grid point with the best ``metric(texts, truths)`` over these pages."""
    scored = []
    for values in itertools.product(*GRID.values()):
        chosen = dict(zip(GRID, values))
        scored.append((metric([choose(c, chosen) for c in candidates], truths), chosen))
    top = max(value for value, _ in scored)
    tied = [chosen for value, chosen in scored if value >= top - 1e-9]
    best = tied[0]
    shares = [c["fallback_below"] for c in tied if all(c[k] == best[k] for k in GRID if k != "fallback_below")]
    return {**best, "fallback_below": shares[(len(shares) - 1) // 2]}
