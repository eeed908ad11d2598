"""Sitemaps from hostile servers (fuzzing campaign, session 11): one sitemap is read streaming and
at most 50,000 entries of it, and an index's children are expanded one at a time."""
from __future__ import annotations

import resource
from collections import Counter

import pytest

from flows.settings import Settings
from flows.sources import error_reason, fetch_urls, iter_fetched_documents
from flows.sources.sitemaps import MAX_ENTRIES, parse_sitemap
from route_server import Route, RouteServer, page

LOCAL = Settings(allow_private=True, fetch_timeout_s=20.0)
URLSET = '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</urlset>'
INDEX = '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</sitemapindex>'


def urlset(locs) -> bytes:
    return URLSET.format("".join(f"<url><loc>{loc}</loc><lastmod>2026-11-30</lastmod></url>" for loc in locs)).encode()


@pytest.fixture
def server():
    s = RouteServer()
    yield s
    s.stop()


def test_a_sitemap_of_a_million_urls_is_read_streaming_and_capped():
    """A 60 MB sitemap (a million URLs) held its whole lxml tree and every entry: about 1 GB."""
    body = urlset(f"https://news.example/a/{i}" for i in range(1_000_000))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = parse_sitemap(body, "https://news.example/sitemap.xml")
    assert len(found.entries) == MAX_ENTRIES == 50_000 and found.truncated
    assert found.entries[-1].loc == "https://news.example/a/49999"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before < 250


def test_more_entries_than_the_protocol_allows_leave_a_row_saying_so(server):
    server.routes["/big.xml"] = Route(urlset(f"{server.base}/a/{i}" for i in range(MAX_ENTRIES + 10)), "application/xml")
    stats = Counter()
    docs = fetch_urls([server.base + "/big.xml"], LOCAL, seen=lambda url: "/a/" in url, stats=stats)  # entries: stored
    [doc] = docs
    assert doc.error == "sitemap lists more than 50000 entries (the protocol's limit): only the first 50000 are read"
    assert error_reason(doc.error) == "sitemap_truncated" and stats["fetch_skipped_seen"] == MAX_ENTRIES


def test_an_index_child_is_expanded_before_the_next_child_is_fetched(server):
    """Level by level, every child's entries waited in memory together (an index of large sitemaps:
    gigabytes); now a child is asked for only once the pages of the one before the last are in."""
    children = "".join(f"<sitemap><loc>{server.base}/s{n}.xml</loc></sitemap>" for n in range(4))
    server.routes["/index.xml"] = Route(INDEX.format(children).encode(), "application/xml")
    for n in range(4):
        server.routes[f"/s{n}.xml"] = Route(urlset(f"{server.base}/p{n}/{i}" for i in range(3)), "application/xml")
        for i in range(3):
            server.routes[f"/p{n}/{i}"] = Route(page(f"p{n} {i}"))
    docs = list(iter_fetched_documents([server.base + "/index.xml"], LOCAL.with_(fetch_concurrency=8)))
    assert len(docs) == 12 and all(d.error is None for d in docs)
    order = [p for p in server.paths() if p != "/robots.txt"]
    for n in (2, 3):
        assert max(order.index(f"/p{n - 2}/{i}") for i in range(3)) < order.index(f"/s{n}.xml")


def test_a_gzip_sitemap_of_several_members_is_read_whole_and_capped():
    """Only the first gzip member was read: ``cat a.gz b.gz`` lost b, and a bomb of 1 MB members
    (4 GB in all) was cut to 1 MB silently instead of refused."""
    import gzip

    from flows.sources.sitemaps import SitemapError, gunzip_capped

    one, two = urlset(["https://news.example/a"]), urlset(["https://news.example/b"])
    assert gunzip_capped(gzip.compress(one) + gzip.compress(two), 1 << 20) == one + two
    member = gzip.compress(b"\0" * (1 << 20), 9)
    with pytest.raises(SitemapError, match="too large: sitemap decompresses to more than 52428800 bytes"):
        gunzip_capped(member * 4096, 50 << 20)
