"""One line of a dump classified (body, title, meta, widget, byline...) by its
shape and small word lists; bylines made into author names."""
from __future__ import annotations

import re
from datetime import date
from ..metadata import normalise_author
from .dates import _DATE, _DATE_LINE_ZONE, _HEADER_ZONE, _TIME, _date_prefix, _match_date, find_date
from .words import (
    _AUTHOR_LABELS, _BREADCRUMB_HOME, _BREADCRUMB_SEP, _BREADCRUMB_START, _BYLINE, _CAPTION_START,
    _COOKIE, _COOKIE_CONTEXT, _COPYRIGHT, _COUNTER, _CREDIT_ONLY, _CREDIT_WORDS, _DATELINE,
    _DATE_LABELS, _DATE_LABEL_LINE, _LIST_HEADINGS, _LIST_MARKER, _META_LINE, _NAV_SPLIT,
    _NO_LETTERS, _NUMBER_WIDGET, _PUNCT_ONLY, _ROLE_WORDS, _STOCK_CREDIT, _TEASER_PREFIX,
    _WIDGET_FILLER, _WIDGET_WORDS, _credit_tail, _ends_sentence,
)

# ---------------------------------------------------------------------------
# Line classification

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\xad"
_ZW = re.compile(f"[{_ZERO_WIDTH}]")
_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_CURLY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def _has_separator(line: str) -> bool:
    return ">" in line or "»" in line or "›" in line or "/" in line or "|" in line


def _nav_line(line: str, n_words: int) -> bool:
    """Section navigation such as "World News | Europe": short capitalised
    parts between separators."""
    if n_words > 12:
        return False
    parts = _NAV_SPLIT.split(line)
    return len(parts) >= 2 and all(p and len(p.split()) <= 3 and (p[0].isupper() or p[0].isdigit()) for p in parts)


def _legal_hint(line: str, low: str) -> bool:
    return "©" in line or "(c)" in low or "right" in low or "recht" in low or "droit" in low or "derech" in low


def _norm_heading(line: str) -> str:
    s = _LIST_MARKER.sub("", line).translate(_CURLY).lower()
    return s.strip(" :>»›|-–—·•*#.!").strip()


def _is_strong(line: str, n_words: int) -> bool:
    """A line that reads like body prose: a sentence end and a few words."""
    return n_words >= 6 and _ends_sentence(line) and not _LIST_MARKER.match(line)


def _is_headline(line: str, n_words: int) -> bool:
    if not 2 <= n_words <= 30 or len(line) > 250 or _LIST_MARKER.match(line):
        return False
    if line[-1] in ".:;,":
        return False
    c = line[0]
    return c.isupper() or c.isdigit() or c in "\"'“‘«¿¡"


def _widget(line: str, low: str, n_words: int) -> bool:
    if _PUNCT_ONLY.match(line) or _NO_LETTERS.match(line):
        return True
    if n_words > 8:
        return False
    if _COUNTER.match(line):
        return True
    m = _NUMBER_WIDGET.match(low)
    if m and m.group(1) in _WIDGET_WORDS:
        return True
    toks = _WORDS.findall(low)
    if not toks or _ends_sentence(line) and n_words > 3:
        return False
    hits = 0
    for t in toks:
        if t in _WIDGET_WORDS:
            hits += 1
        elif t not in _WIDGET_FILLER:
            return False
    return hits > 0


def _role_line(line: str, low: str, n_words: int) -> bool:
    if n_words > 8 or _ends_sentence(line):
        return False
    if not any(w.strip(",.;:-|/()") in _ROLE_WORDS for w in low.split()):
        return False
    return n_words <= 6 or bool(re.search(r"\s[-|/–—]\s|\|", line))


class _Line:
    __slots__ = ("text", "kind", "n")

    def __init__(self, text: str, kind: str, n: int):
        self.text = text
        self.kind = kind  # "body", or why the line is dropped
        self.n = n


class _Found:
    __slots__ = ("published", "author")

    def __init__(self):
        self.published: date | None = None
        self.author: str | None = None

    def date(self, d: date | None) -> None:
        if d and self.published is None:
            self.published = d


_BYLINE_FIRST = frozenset("by von par por written text texte texto reporting".split())
_TEASER_FIRST = frozenset(
    "read also see related more watch recommended trending lesen mehr auch lire à a voir te lee leer ver".split())
_CAPTION_FIRST = frozenset(
    "in file photo photos image picture photograph caption foto fotos bild imagen crédit credit crédits credits"
    .split())
_DIGIT = re.compile(r"\d")
_TEASER_FIRST4 = frozenset(w[:4] for w in _TEASER_FIRST)


def _classify(line: str, index: int, found: _Found) -> tuple[str, str]:
    """Why a line is dropped ("body" when it is kept), and the line itself
    (a date glued before other text is cut off). Cheap tests on the first
    word and characters guard the regular expressions: this runs per line."""
    if index < _HEADER_ZONE or line[:1].isdigit() or line[:4].lower() in ("date", "publ", "post", "upda"):
        pre = _date_prefix(line)
        if pre and (not pre[1] or index < _HEADER_ZONE):
            found.date(pre[0])
            rest = pre[1]
            if not rest or rest[:1].islower() and len(rest.split()) <= 4 and not _ends_sentence(rest):
                return "date", line  # "Posted on March 3, 2024 by admin"
            line = rest
    words = line.split()
    n = len(words)
    low = line.lower()
    first = words[0].lower().rstrip(":")

    if n <= 15:
        kind = _classify_short(line, low, first, n, index, found)
        if kind:
            return kind, line
    if n <= 40 and first[:4] in _TEASER_FIRST4 and _TEASER_PREFIX.match(line):
        return "teaser", line
    if _has_separator(line) and (_BREADCRUMB_HOME.search(line) or len(_BREADCRUMB_SEP.findall(line)) >= 2
                                 or _nav_line(line, n)) \
            or ":" in line and _BREADCRUMB_START.match(line):
        return "breadcrumb", line
    if line[-1] == ")" and _credit_tail(line) or first in _CAPTION_FIRST and _CAPTION_START.match(line):
        return "caption", line
    if n <= 40 and (_legal_hint(line, low) and _COPYRIGHT.search(line)
                    or "cookie" in low and _COOKIE.search(line) and _COOKIE_CONTEXT.search(line)):
        return "legal", line
    return "body", line


def _classify_short(line: str, low: str, first: str, n: int, index: int, found: _Found) -> str | None:
    if _norm_heading(line) in _LIST_HEADINGS:  # before widgets: "More" may start a list
        return "heading"
    if _widget(line, low, n):
        return "widget"
    if ":" in line or "|" in line:
        m = _META_LINE.match(line)
        if m and len(m.group("value").split()) <= 15:
            label = m.group("label").lower()
            value = m.group("value")
            if label in _DATE_LABELS:
                found.date(find_date(value))
            elif label in _AUTHOR_LABELS and value and not found.author:
                found.author = _normalise_author(value)
            return "meta"
    if n <= 12 and not _ends_sentence(line) and _DATE_LABEL_LINE.match(line) and (
            _DIGIT.search(line) or " by " in low or " ago" in low):
        found.date(find_date(line))
        return "meta"
    if first in _BYLINE_FIRST:
        m = _BYLINE.match(line)
        if m and not _ends_sentence(m.group("names")):
            if not found.author:
                found.author = _normalise_author(m.group("names"))
            return "byline"
    if line[0] == "(" and n <= 12 and _CREDIT_ONLY.match(line) and (
            _CREDIT_WORDS.search(line) or all(w[:1].isupper() for w in line.strip("()").split())) \
            or n <= 6 and _STOCK_CREDIT.search(line):
        return "credit"
    if line[-1] in "-–—:" and _DATELINE.match(line):
        return "dateline"
    if n <= 10 and _DIGIT.search(line):
        dm = _DATE.search(line)
        found_date = _match_date(dm) if dm else None
        if found_date:
            rest = _TIME.sub(" ", line[: dm.start()] + line[dm.end():])
            if len(_WORDS.findall(rest)) <= 3:
                if index < _DATE_LINE_ZONE:  # not a date deep in the body (an embedded post's)
                    found.date(found_date)
                return "date"
    if _role_line(line, low, n):
        return "meta"
    return None


_AUTHOR_SPLIT = re.compile(r"\s*(?:[,;&|]|\b(?:and|und|et|y)\b)\s*", re.I)


def _normalise_author(names: str) -> str | None:
    """Each name of a byline made readable (metadata.normalise_author: "AAMER
    MADHANI" becomes "Aamer Madhani"), roles left out, several authors joined
    with "; " (as trafilatura does)."""
    out = []
    for name in _AUTHOR_SPLIT.split(names):
        name = " ".join(name.split()).strip(" .-–—:")
        if not name:
            continue
        if any(w in _ROLE_WORDS for w in name.lower().split()):
            continue  # "Staff Writer", "Politics Editor"
        name = normalise_author(name)
        if name:
            out.append(name)
    return "; ".join(out) or None
