"""The three dev sets of ``shared/eval`` as one list of pages, and their scoring.

Every set is scored the same way (see the sets' READMEs): body text by word
4-gram shingles (``extraction_f1.score``/``prf``), title by exact match after
whitespace collapsing, date on the day, authors as case-insensitive sets of
names. A page whose ground truth lacks a field is left out of that field's
share. ``group`` is the site (publisher) a page comes from: cross-validation
folds split by it, so no site is on both sides.
"""
from __future__ import annotations

import gzip
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
EVAL_DIR = REPO.parent / "shared" / "eval"
SETS = ("extraction-dev", "news-dev", "multilingual-dev")


@dataclass
class Page:
    set: str
    key: str
    html: str
    url: str | None
    body: str
    group: str  # site or publisher: the cross-validation unit
    language: str | None = None  # multilingual-dev: the publisher's language
    title: str | None = None
    date: str | None = None  # YYYY-MM-DD
    authors: list[str] | None = None  # None: not known for this page


def _host(url: str | None) -> str:
    host = urlsplit(url or "").hostname or ""
    return host[4:] if host.startswith("www.") else host


def _read(path: Path) -> str:
    return gzip.decompress(path.read_bytes()).decode("utf-8", "replace")


def load_set(name: str, eval_dir: Path = EVAL_DIR) -> list[Page]:
    root = Path(eval_dir) / name
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth):
        t = truth[key]
        html = _read(root / "html" / f"{key}.html.gz")
        if name == "extraction-dev":
            pages.append(Page(name, key, html, t.get("url"), t["articleBody"], _host(t.get("url"))))
        elif name == "news-dev":
            pages.append(Page(
                name, key, html, t.get("url"), t["articleBody"], _host(t.get("site") or t.get("url")),
                title=t.get("title"), date=(t.get("date") or None), authors=t.get("authors") or None,
            ))
        else:
            pages.append(Page(
                name, key, html, None, t["articleBody"], t["publisher"], language=t.get("language") or "und",
                title=t.get("title"), date=(t.get("date") or "")[:10] or None, authors=t.get("authors") or None,
            ))
    return pages


def load_all(eval_dir: Path = EVAL_DIR, sets=SETS) -> list[Page]:
    return [page for name in sets for page in load_set(name, eval_dir)]


def fold_of(page: Page, k: int) -> int:
    """Fold of a page's site: a stable hash, so every run splits the same way."""
    return zlib.crc32(f"{page.set}/{page.group}".encode()) % k


# ---------------------------------------------------------------- metadata scoring

_NAME_SPLIT = re.compile(r"\s*(?:[,;&]|\band\b|\bund\b|\bet\b|\by\b)\s*", re.IGNORECASE)


def norm_title(value: str | None) -> str:
    return " ".join((value or "").split())


def title_ok(pred: str | None, truth: str | None) -> bool:
    return norm_title(pred) == norm_title(truth)


def date_ok(pred, truth: str | None) -> bool:
    return str(pred or "")[:10] == (truth or "")[:10]


def author_names(value) -> frozenset[str]:
    """Names as a set: the truth's list and a predicted byline are split the
    same way (commas, semicolons, "and"), so neither side is favoured."""
    if not value:
        return frozenset()
    text = ", ".join(value) if isinstance(value, list) else str(value)
    return frozenset(n.casefold() for n in (" ".join(p.split()) for p in _NAME_SPLIT.split(text)) if n)


def authors_ok(pred, truth: list[str] | None) -> bool:
    return author_names(pred) == author_names(truth)
