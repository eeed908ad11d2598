"""Metadata helpers shared by the HTML extractor and the text-dump cleaner.

- ``detect_language``: py3langid, ISO 639-1, ``None`` for too little text.
- ``parse_date`` / ``normalise_author``: turn what a page or a feed says into
  a ``date`` and a readable name.
- ``page_metadata``: title, author, date string, site name and canonical URL
  read from an already parsed lxml tree (meta tags, JSON-LD, ``<title>``),
  cheaply: trafilatura's own metadata pass costs about a third of an
  extraction, most of it on fields we do not keep.
"""
from __future__ import annotations

import html
import json
import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import urljoin

MIN_LANGUAGE_LETTERS = 20  # fewer letters than this: no language guess
LANGUAGE_SAMPLE_CHARS = 400  # classify the first N characters only: enough for py3langid, and bounds the cost (linear in length)
MIN_LANGUAGE_CONFIDENCE = 0.3  # normalised probability below which we say "unknown"
MIN_YEAR, MAX_YEAR = 1900, 2100
_LETTER = re.compile(r"[^\W\d_]")


# ---------------------------------------------------------------- language


@lru_cache(maxsize=1)
def _identifier():
    """Load py3langid's model once per process (workers call this on first use)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None if there is too little
    text or the guess is too unsure to be worth storing."""
    if not text:
        return None
    return _sample_language(text[:LANGUAGE_SAMPLE_CHARS])


@lru_cache(maxsize=8)
def _sample_language(sample: str) -> str | None:
    """The language of a sample, remembered: the extractor asks about the
    start of a page's text before and after filtering, usually the same."""
    if len(_LETTER.findall(sample, 0, 400)) < MIN_LANGUAGE_LETTERS:
        return None
    lang, confidence = _identifier().classify(sample)
    if confidence < MIN_LANGUAGE_CONFIDENCE or not lang or lang == "und":
        return None
    return lang


# ---------------------------------------------------------------- dates

_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T\s])")
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def plausible_date(d: date, years: tuple[int, int] = (MIN_YEAR, MAX_YEAR)) -> date | None:
    """``d`` when its year lies in ``years`` (inclusive): a news date, not a typo."""
    return d if years[0] <= d.year <= years[1] else None


def make_date(y: int, m: int, d: int, years: tuple[int, int] = (MIN_YEAR, MAX_YEAR)) -> date | None:
    """The date of year, month and day numbers read from text, or None when they
    make no calendar date or the year is outside ``years``. Every date parser
    of the cleaning stage ends here."""
    if not years[0] <= y <= years[1]:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_date(s: str) -> date | None:
    """A calendar date from the forms pages and feeds use: ISO 8601
    (``2019-11-19T10:00:00Z``), RFC 2822 (``Tue, 19 Nov 2019 10:00:00 GMT``),
    written dates (``Nov. 19, 2019``, ``19 November 2019``). The date as
    written, without converting time zones. None when unparseable."""
    if s is None:
        return None
    if isinstance(s, datetime):
        return plausible_date(s.date())
    if isinstance(s, date):
        return plausible_date(s)
    s = str(s).strip()
    if not s or len(s) > 100:
        return None
    for pattern in (_ISO_DATE, _COMPACT_DATE):
        m = pattern.match(s)
        if m:
            return make_date(int(m[1]), int(m[2]), int(m[3]))
    try:
        return plausible_date(parsedate_to_datetime(s).date())
    except (TypeError, ValueError, IndexError):
        pass
    return _written_date(s)


_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))


def _written_date(s: str) -> date | None:
    """dateutil for written dates, but only when the text gives year, month
    and day: parsed against two different defaults, a missing part shows up
    as two different answers, and we refuse to invent it."""
    from dateutil import parser as dateparser

    cleaned = s.replace(".", " ")
    try:
        first, second = (dateparser.parse(cleaned, default=d, fuzzy=True, ignoretz=True) for d in _DEFAULTS)
    except (ValueError, OverflowError, TypeError):
        return None
    if first.date() != second.date():
        return None
    return plausible_date(first.date())


# ---------------------------------------------------------------- authors

_BY_PREFIX = re.compile(r"^\s*(?:by|von|par|por|door)(?:\s*:\s*|\s+|$)", re.IGNORECASE)
_LOWER_WORDS = {"and", "und", "et", "y", "e", "of", "van", "von", "de", "der", "den", "da", "del", "di", "la", "le", "du"}
_NOT_A_NAME = re.compile(r"https?://|www\.|@|\.(?:com|org|net)\b", re.IGNORECASE)
MAX_AUTHOR_CHARS = 120


def _title_word(word: str, first: bool) -> str:
    if not first and word.lower() in _LOWER_WORDS:
        return word.lower()
    return word.capitalize() if "'" not in word and "-" not in word else word.title()


def normalise_author(s: str) -> str | None:
    """A readable byline: ``"By AAMER MADHANI"`` gives ``"Aamer Madhani"``.

    Strips a leading "By", collapses whitespace, and recases names written
    all in capitals (or all in lower case); mixed-case names are kept as
    written. None for empty strings, URLs, e-mail addresses and text too
    long to be a name."""
    if not s:
        return None
    text = " ".join(str(s).split())
    text = _BY_PREFIX.sub("", text).strip(" ,;|-")
    if not text or len(text) > MAX_AUTHOR_CHARS or _NOT_A_NAME.search(text):
        return None
    if not any(ch.isalpha() for ch in text):
        return None
    # recase each comma-separated name written all in capitals ("TOM KRISHER, AP Auto Writer")
    parts = [_recase(part) if _one_case(part) else part for part in text.split(", ")]
    return ", ".join(parts)


def _one_case(part: str) -> bool:
    """All capitals or all lower case, connecting words ("and", "van") aside."""
    words = [w for w in part.split(" ") if any(ch.isalpha() for ch in w) and w.lower() not in _LOWER_WORDS]
    return bool(words) and (all(w.isupper() for w in words) or all(w.islower() for w in words))


def _recase(name: str) -> str:
    words = name.split(" ")
    return " ".join(_title_word(w, i == 0) for i, w in enumerate(words))


# ---------------------------------------------------------------- page metadata

_META_KEYS = {
    "title": ("og:title", "twitter:title", "dc.title", "title", "headline"),
    "author": ("author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author", "twitter:creator"),
    "date": (
        "article:published_time", "og:published_time", "datepublished", "date", "dc.date",
        "dc.date.issued", "pubdate", "publishdate", "publish-date", "sailthru.date", "parsely-pub-date",
    ),
    "site_name": ("og:site_name", "application-name", "twitter:site"),
    "url": ("og:url",),
}
_LD_TYPES_SKIPPED = {"BreadcrumbList", "WebSite", "Organization", "ImageObject", "VideoObject", "Person"}


def _meta_tags(tree) -> dict[str, str]:
    """First non-empty content of each meta name/property, lower-cased keys."""
    found: dict[str, str] = {}
    for el in tree.iterfind(".//meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop")
        content = el.get("content")
        if key and content and content.strip():
            found.setdefault(key.strip().lower(), content.strip())
    return found


def _ld_objects(tree):
    """schema.org objects from JSON-LD scripts, flattening @graph and lists."""
    from ..sources import jsondepth

    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        text = script.text or ""
        try:  # nested deeper than jsondepth.MAX_DEPTH: skipped (a RecursionError lost the page's article)
            data = jsondepth.loads(text, text.encode("utf-8", "surrogatepass"), strict=False)  # raw newlines are common
        except (ValueError, TypeError):
            continue
        yield from (item for item in _walk(data, _graph) if isinstance(item, dict))


def _graph(item):
    return item.get("@graph") if isinstance(item, dict) else None


def _walk(value, inner=lambda item: None):
    """The items of ``value`` and of the lists in it, in order, and then of what ``inner`` finds in
    each item (a JSON-LD ``@graph``); walked without recursion: a list 400 deep raised RecursionError."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
            continue
        yield item
        if (more := inner(item)) is not None:
            stack.append(more)


def _ld_name(value) -> str | None:
    """A name from a JSON-LD author/publisher value (string, object or list; lists of lists are
    read in order)."""
    names = [name for item in _walk(value) for name in [item.get("name") if isinstance(item, dict) else item]
             if isinstance(name, str) and name]
    return ", ".join(names) if names else None


def _from_json_ld(tree) -> dict[str, str]:
    out: dict[str, str] = {}
    for obj in _ld_objects(tree):
        kind = obj.get("@type")
        kinds = set(kind) if isinstance(kind, list) else {kind}
        if kinds & _LD_TYPES_SKIPPED and not any(isinstance(k, str) and "Article" in k for k in kinds):
            continue
        if "headline" in obj and isinstance(obj["headline"], str):
            out.setdefault("title", obj["headline"])
        if "author" in obj:
            name = _ld_name(obj["author"])
            if name:
                out.setdefault("author", name)
        for key in ("datePublished", "dateCreated"):
            if isinstance(obj.get(key), str):
                out.setdefault("date", obj[key])
        if "publisher" in obj:
            name = _ld_name(obj["publisher"])
            if name:
                out.setdefault("site_name", name)
    return out


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://", "//"))


def page_metadata(tree, base_url: str | None = None) -> dict[str, str | None]:
    """Raw metadata strings of a parsed page: title, author, date, site_name,
    url (canonical, resolved against ``base_url`` if relative). JSON-LD wins
    over meta tags, which win over ``<h1>`` and ``<title>``. Values are
    unescaped and whitespace-collapsed but otherwise as written."""
    meta = _meta_tags(tree)
    ld = _from_json_ld(tree)
    out: dict[str, str | None] = {}
    for field, keys in _META_KEYS.items():
        candidates = [ld.get(field), *(meta.get(key) for key in keys)]
        if field == "author":  # article:author is often a profile URL
            candidates = [c for c in candidates if c and not _is_url(c)]
        out[field] = next((c for c in candidates if c), None)
    if not out["title"]:
        for tag in ("h1", "title"):
            node = tree.find(f".//{tag}")
            if node is not None and node.text_content().strip():
                out["title"] = node.text_content()
                break
    site = out.get("site_name")
    if site and site.startswith("@"):  # twitter:site handle
        out["site_name"] = site[1:] or None
    canonical = tree.find('.//link[@rel="canonical"]')
    href = (canonical.get("href") or "").strip() if canonical is not None else ""
    if href and not _is_url(href) and base_url:
        href = urljoin(base_url, href)
    if _is_url(href):
        out["url"] = href
    out = {k: (" ".join(html.unescape(v).split()) if isinstance(v, str) else v) or None for k, v in out.items()}
    out["title"] = _strip_site_suffix(out["title"], out["site_name"])
    return out


_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ")


def _strip_site_suffix(title: str | None, site: str | None) -> str | None:
    """``"Headline | Site Name"`` gives ``"Headline"`` when the site name is known."""
    if not title or not site:
        return title
    for sep in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        if found and head and tail.strip().lower() == site.lower():
            return head.strip()
    return title
