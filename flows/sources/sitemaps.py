"""XML sitemaps as sources: sitemap indexes, plain and news sitemaps, gzip too.

Most news sites list their articles in sitemaps (``news`` sitemaps carry each
article's title and publication date). A fetched body whose root element is
``<urlset>`` or ``<sitemapindex>`` is a sitemap, whatever its URL or content
type; a URL ending in ``.xml.gz`` / ``.gz`` may be served as gzip and is
decompressed here, streaming, with a cap (``sitemap_max_bytes``, 50 MB by
default, the protocol's own limit for one sitemap).

- An index's ``<sitemap><loc>`` children are fetched as sitemaps (at most
  ``MAX_DEPTH`` levels, each sitemap once per run).
- A sitemap's ``<url><loc>`` entries are fetched as pages, through the
  ledger like feed entries (URLs stored by earlier runs are skipped unless
  ``--refetch``), with ``news:title`` / ``news:publication_date`` /
  ``news:language`` as hints.
- ``since`` (``--since DATE``) keeps entries dated on or after DATE: a news
  entry's publication date, else its ``lastmod``; an index child whose
  ``lastmod`` is older is not fetched. Undated entries are kept.

XML is parsed with lxml, safely: no entity expansion, no network, no DTD
loading, no huge trees, so a hostile sitemap cannot read files or expand into
gigabytes; it is streamed, and at most ``MAX_ENTRIES`` (50,000, the protocol's
limit) entries of one sitemap or index are read.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from urllib.parse import urljoin, urlsplit

GZIP_MIMES = {"application/gzip", "application/x-gzip", "application/octet-stream", "application/x-gunzip"}
MAX_DEPTH = 3  # index -> index -> sitemap: deeper nesting is a loop or a mistake
MAX_ENTRIES = 50_000  # the protocol's limit of URLs in one sitemap, and of sitemaps in one index
# The root element after the prologue (skipped by feeds.prologue_end, one item at a time: a
# single pattern with overlapping alternatives backtracked exponentially on a page starting
# with dozens of processing instructions).
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(urlset|sitemapindex)[\s>/]")


class SitemapError(Exception):
    """A sitemap that cannot be read; the message is the quarantine reason."""


@dataclass
class SitemapEntry:
    loc: str
    date: datetime | None = None  # publication date (news) or lastmod
    hints: dict = field(default_factory=dict)


@dataclass
class Sitemap:
    is_index: bool
    entries: list[SitemapEntry]
    before_since: int = 0  # entries left out by ``since``
    without_loc: int = 0
    truncated: bool = False  # more than MAX_ENTRIES listed: the rest is not read


def looks_like_sitemap(body: bytes) -> bool:
    """True for a body whose root element is ``urlset`` or ``sitemapindex``."""
    from flows.sources.feeds import prologue_end

    head = body[:4096].lstrip(b"\xef\xbb\xbf")
    return bool(_ROOT.match(head, prologue_end(head)))


def may_be_gzip_sitemap(url: str, mime: str) -> bool:
    """A gzip body worth reading: a ``.gz`` URL served with a gzip or generic type."""
    return urlsplit(url).path.lower().endswith(".gz") and (mime in GZIP_MIMES or not mime)


def gunzip_capped(body: bytes, cap: int) -> bytes:
    """Decompress a gzip body in steps, stopping as soon as the output passes ``cap``. Every member
    is read (only the first was: a bomb of many members was cut silently, a real sitemap too)."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out: list[bytes] = []
    total = 0
    data = body
    try:
        while data:
            chunk = inflater.decompress(data, 1 << 16)
            total += len(chunk)
            if total > cap:
                raise SitemapError(f"too large: sitemap decompresses to more than {cap} bytes "
                                   f"(limit {cap}); raise NEWSFLOW_SITEMAP_MAX_BYTES")
            out.append(chunk)
            data = inflater.unconsumed_tail
            if inflater.eof:  # the next gzip member (``cat a.gz b.gz``), or the end
                data = inflater.unused_data  # it holds unconsumed_tail too
                if not data.startswith(b"\x1f\x8b"):
                    break
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        if not inflater.eof:
            raise SitemapError("truncated gzip: the sitemap ends before its gzip stream does")
    except zlib.error as exc:
        raise SitemapError(f"not a valid gzip sitemap: {exc}") from None
    return b"".join(out)


def parse_date(value: str | None) -> datetime | None:
    """W3C datetime (``2026-11-30``, ``2026-11-30T10:00:00+01:00``...) as an aware UTC datetime."""
    if not value or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


def _news(element) -> dict:
    """title, publication date and language of a news sitemap's ``<news:news>``."""
    for child in element:
        if _local(child.tag) != "news":
            continue
        out = {}
        for part in child.iter():
            name = _local(part.tag)
            if name == "title" and part.text:
                out["title"] = part.text.strip()
            elif name == "publication_date" and part.text:
                out["published"] = part.text.strip()
            elif name == "language" and part.text:
                out["language"] = part.text.strip()
        return out
    return {}


def parse_sitemap(body: bytes, base_url: str, since: datetime | None = None) -> Sitemap:
    """The sitemap's entries (``loc`` resolved against ``base_url``), filtered by ``since``; at most
    MAX_ENTRIES of them (``truncated`` says more were listed).

    Streamed (iterparse, each item dropped once read): a whole tree of a 50 MB sitemap took a gigabyte."""
    import io

    from lxml import etree

    events = etree.iterparse(io.BytesIO(body), events=("start", "end"), resolve_entities=False, no_network=True,
                             load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True, recover=False)
    sitemap: Sitemap | None = None
    root = None
    try:
        for event, element in events:
            if root is None:
                root, kind = element, _local(element.tag)
                if kind not in ("urlset", "sitemapindex"):
                    raise SitemapError(f"not a sitemap: root element {kind or element.tag!r}")
                sitemap = Sitemap(kind == "sitemapindex", [])
                item_tag = "sitemap" if sitemap.is_index else "url"
                continue
            if event != "end" or element.getparent() is not root:
                continue
            if _local(element.tag) == item_tag:
                if len(sitemap.entries) >= MAX_ENTRIES:
                    sitemap.truncated = True
                    break
                _add_entry(sitemap, element, base_url, since)
            element.clear()
            while element.getprevious() is not None:  # the items already read
                del root[0]
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"malformed sitemap XML: {exc}") from None
    if sitemap is None:
        raise SitemapError("malformed sitemap XML: no root element")
    return sitemap


def _add_entry(sitemap: Sitemap, item, base_url: str, since: datetime | None) -> None:
    loc = _child_text(item, "loc")
    if not loc:
        sitemap.without_loc += 1
        return
    news = {} if sitemap.is_index else _news(item)
    when = parse_date(news.get("published")) or parse_date(_child_text(item, "lastmod"))
    if since is not None and when is not None and when < since:
        sitemap.before_since += 1
        return
    hints = {k: v for k, v in news.items() if k in ("title", "published")}
    if "language" in news:
        hints["sitemap_language"] = news["language"]
    try:
        loc = urljoin(base_url, loc)
    except ValueError:  # not a URL ("http://[::1"): kept as written, refused with the reason when fetched
        pass
    sitemap.entries.append(SitemapEntry(loc, when, hints))


def since_datetime(value: str | None) -> datetime | None:
    """``--since`` as an aware datetime (a date means its midnight, UTC)."""
    if not value:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise ValueError(f"--since {value!r} is not a date (use YYYY-MM-DD or an ISO timestamp)")
    return parsed
