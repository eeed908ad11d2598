"""RSS and Atom feeds: recognise a fetched body as a feed and list its entries.

A feed is not an article: its entries' links are fetched as pages (by
flows.sources.web), and each entry's title, date and author travel with the
page as hints, used when the page itself lacks them. Parsing is feedparser's,
which copes with RSS 0.9x-2.0, RDF and Atom, and with broken XML.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

FEED_MIMES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+xml"}
XML_MIMES = {"application/xml", "text/xml"}

# The prologue before a feed's root element: an optional XML declaration,
# comments, processing instructions and a doctype. Each alternative starts
# with a different prefix, so no two can match the same text and the loop
# stays linear (an earlier pattern let ``<?xml ...?>`` match two
# alternatives: a few dozen processing instructions took minutes).
_PROLOGUE_ITEM = re.compile(rb"<!--.*?-->|<\?[^>]*\?>|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>",
                            re.IGNORECASE | re.DOTALL)
_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>/]", re.IGNORECASE)
SNIFF_BYTES = 4096


def prologue_end(head: bytes) -> int:
    """Where the root element may start in an XML ``head``: after the declaration, comments,
    processing instructions and doctype, one item at a time (linear; shared with sitemaps)."""
    pos = 0
    while True:
        while pos < len(head) and head[pos] in b" \t\r\n":
            pos += 1
        item = _PROLOGUE_ITEM.match(head, pos)
        if item is None:
            return pos
        pos = item.end()


def feed_root(head: bytes) -> bool:
    """True when ``head`` reaches a root element rss/feed/rdf:RDF after its prologue."""
    return bool(_ROOT.match(head, prologue_end(head)))


def looks_like_feed(mime: str, body: bytes) -> bool:
    """True for a declared feed type, or a body whose root element is rss/feed/rdf:RDF."""
    if mime in FEED_MIMES:
        return True
    return feed_root(body[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf"))


@dataclass
class FeedEntry:
    link: str
    hints: dict = field(default_factory=dict)


def _iso(parsed) -> str | None:
    try:
        return datetime(*parsed[:6], tzinfo=timezone.utc).isoformat()
    except (TypeError, ValueError):
        return None


def parse_feed(body: bytes, base_url: str, content_type: str | None = None) -> tuple[list[FeedEntry], int]:
    """The feed's entries that have a link, and how many entries had none.

    Relative links are resolved against ``base_url``; ``published`` is ISO 8601
    (UTC) when feedparser could read the date, else the date as written.
    """
    import feedparser  # imported here: only runs that fetch feeds pay for it

    headers = {"content-location": base_url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers)
    entries: list[FeedEntry] = []
    no_link = 0
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        if not link:
            no_link += 1
            continue
        hints = {}
        if entry.get("title"):
            hints["title"] = entry["title"]
        published = None
        for key in ("published", "updated"):
            if entry.get(key):
                published = _iso(entry.get(f"{key}_parsed")) or entry[key]
                break
        if published:
            hints["published"] = published
        if entry.get("author"):
            hints["author"] = entry["author"]
        entries.append(FeedEntry(link, hints))
    return entries, no_link
