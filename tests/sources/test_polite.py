"""Polite and complete fetching against local servers: robots.txt, conditional GET, sitemaps."""
from __future__ import annotations

import gzip
from collections import Counter

import pytest

from flows.settings import Settings
from flows.sources import error_reason, fetch_urls
from flows.sources.fetch_state import FetchState
from flows.sources.sitemaps import SitemapError, gunzip_capped, looks_like_sitemap, parse_sitemap
from route_server import Route, RouteServer, page

LOCAL = Settings(allow_private=True, fetch_timeout_s=5.0)


@pytest.fixture
def server():
    s = RouteServer()
    yield s
    s.stop()


def by_source(docs):
    return {d.source: d for d in docs}


# --------------------------------------------------------------------------- robots.txt


def test_robots_disallow_names_the_rule_and_robots_is_read_once(server):
    server.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\nAllow: /private/open\n", "text/plain")
    for name in ("a", "b", "c"):
        server.routes[f"/page/{name}"] = Route(page(name))
    server.routes["/private/x"] = Route(page("x"))
    server.routes["/private/open"] = Route(page("open"))
    urls = [server.base + p for p in ("/page/a", "/private/x", "/page/b", "/private/open", "/page/c")]
    stats = Counter()
    docs = by_source(fetch_urls(urls, LOCAL, stats=stats))
    refused = docs[server.base + "/private/x"]
    assert refused.error == (f"robots.txt disallows {server.base}/private/x: "
                             "Disallow: /private/ (User-agent: *)")
    assert error_reason(refused.error) == "robots_disallowed"
    assert all(docs[server.base + p].error is None for p in ("/page/a", "/page/b", "/private/open"))
    assert "/private/x" not in server.paths()
    assert server.paths().count("/robots.txt") == 1  # cached for the run
    assert stats["robots_disallowed"] == 1 and stats["robots_fetched"] == 1


def test_robots_group_of_our_user_agent_wins(server):
    server.routes["/robots.txt"] = Route(
        b"User-agent: *\nDisallow: /\n\nUser-agent: newsflow\nDisallow: /drafts/\n", "text/plain")
    server.routes["/page/a"] = Route(page("a"))
    server.routes["/drafts/a"] = Route(page("d"))
    docs = by_source(fetch_urls([server.base + "/page/a", server.base + "/drafts/a"], LOCAL))
    assert docs[server.base + "/page/a"].error is None
    assert docs[server.base + "/drafts/a"].error.endswith("Disallow: /drafts/ (User-agent: newsflow)")


def test_robots_is_checked_on_redirect_targets(server):
    server.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    server.routes["/go"] = Route(status=302, headers={"Location": "/private/y"})
    [doc] = fetch_urls([server.base + "/go"], LOCAL)
    assert doc.error.startswith(f"robots.txt disallows {server.base}/private/y") and "(redirected from" in doc.error


def test_robots_answering_5xx_means_do_not_crawl_and_missing_means_allowed(server):
    server.routes["/robots.txt"] = Route(b"", "text/plain", 503)
    server.routes["/page/a"] = Route(page("a"))
    [doc] = fetch_urls([server.base + "/page/a"], LOCAL)
    assert "robots.txt answered HTTP 503" in doc.error and error_reason(doc.error) == "robots_disallowed"
    del server.routes["/robots.txt"]  # now a 404: no robots.txt, everything allowed
    [doc] = fetch_urls([server.base + "/page/a"], LOCAL)
    assert doc.error is None


def test_crawl_delay_spaces_requests_to_the_host(server):
    # Each request waits for its own slot (0 s, 1 s, 2 s, 3 s after the first). Arrival times at the
    # server carry the machine's scheduling delays, which can shorten one gap by as much as they
    # lengthen the one before, so the gaps are not compared with the delay one by one: the span
    # from the first arrival to the last must hold at least one whole delay (it is three when the
    # machine is quiet), and three requests must have waited.
    urls = _paced_site(server, delay=1, pages=4)
    stats = Counter()
    docs = fetch_urls(urls, LOCAL.with_(fetch_per_host=4), stats=stats)
    assert not any(d.error for d in docs)
    starts = sorted(h.at for h in server.hits if h.path.startswith("/page/"))
    assert len(starts) == 4 and starts[-1] - starts[0] >= 1.0, starts
    assert stats["robots_crawl_delay_waits"] == 3


def test_urls_whose_crawl_delay_slot_is_too_far_away_wait_for_the_next_run(server):
    """A feed of 1,000 links to a host asking 60 s between requests held one run 16 hours. A URL
    whose slot is more than robots_max_host_wait_s away is not fetched: it becomes an error
    document (retried by the next run: failures are not in the fetch ledger), and no slot is taken."""
    urls = _paced_site(server, delay=1000, pages=3)
    stats = Counter()
    settings = LOCAL.with_(fetch_per_host=1, fetch_concurrency=1, robots_max_crawl_delay_s=1000.0,
                           robots_max_host_wait_s=60.0)
    docs = by_source(fetch_urls(urls, settings, stats=stats))
    assert set(docs) == set(urls)  # every URL has its document
    assert docs[urls[0]].error is None  # the first slot is now; the next is 1,000 s away
    for url in urls[1:]:
        assert error_reason(docs[url].error) == "crawl_delay_deferred"
        assert docs[url].error == (f"crawl delay: {server.base} asks 1000 s between requests, and its next free "
                                   "slot is more than 60 s away (NEWSFLOW_ROBOTS_MAX_HOST_WAIT_S); the next run "
                                   "fetches it")
    assert stats["robots_crawl_delay_deferred"] == 2
    assert server.paths() == ["/robots.txt", "/page/0"]


def _paced_site(server, delay: int, pages: int) -> list[str]:
    """A host asking ``delay`` seconds between requests, and the URLs of its ``pages`` pages."""
    server.routes["/robots.txt"] = Route(f"User-agent: *\nCrawl-delay: {delay}\n".encode(), "text/plain")
    for i in range(pages):
        server.routes[f"/page/{i}"] = Route(page(str(i)))
    return [f"{server.base}/page/{i}" for i in range(pages)]


def test_ignore_robots_fetches_everything_without_reading_it(server):
    server.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /\nCrawl-delay: 30\n", "text/plain")
    server.routes["/page/a"] = Route(page("a"))
    [doc] = fetch_urls([server.base + "/page/a"], LOCAL.with_(ignore_robots=True))
    assert doc.error is None
    assert server.paths() == ["/page/a"]


# --------------------------------------------------------------------------- conditional GET


def test_conditional_get_sends_validators_and_a_304_makes_no_document(server):
    server.routes["/etag"] = Route(page("e"), headers={"ETag": '"v1"'})
    server.routes["/modified"] = Route(page("m"), headers={"Last-Modified": "Tue, 01 Dec 2026 03:00:00 GMT"})
    urls = [server.base + "/etag", server.base + "/modified"]
    first = FetchState()
    docs = fetch_urls(urls, LOCAL, state=first)
    assert len(docs) == 2 and not any(d.error for d in docs)
    assert set(first.polled) == set(urls)
    again = FetchState({url: (etag, lm) for url, (etag, lm, _status, _at) in first.polled.items()})
    stats = Counter()
    assert fetch_urls(urls, LOCAL, stats=stats, state=again) == []
    assert stats["fetch_not_modified"] == 2
    sent = {h.path: h.headers for h in server.hits[-2:]}
    assert sent["/etag"]["if-none-match"] == '"v1"'
    assert sent["/modified"]["if-modified-since"] == "Tue, 01 Dec 2026 03:00:00 GMT"
    assert {status for _e, _l, status, _a in again.polled.values()} == {304}


def test_changed_page_is_downloaded_again(server):
    server.routes["/etag"] = Route(page("e"), headers={"ETag": '"v2"'})
    state = FetchState({server.base + "/etag": ('"v1"', None)})
    [doc] = fetch_urls([server.base + "/etag"], LOCAL, state=state)
    assert doc.error is None and state.polled[server.base + "/etag"][0] == '"v2"'


# --------------------------------------------------------------------------- sitemaps

INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{base}/news-sitemap.xml.gz</loc><lastmod>2026-11-30</lastmod></sitemap>
  <sitemap><loc>{base}/old-sitemap.xml</loc><lastmod>2020-01-01</lastmod></sitemap>
</sitemapindex>"""

NEWS = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>{base}/news/fresh</loc>
    <news:news><news:publication><news:name>Test</news:name><news:language>en</news:language></news:publication>
    <news:publication_date>2026-11-30T08:00:00+00:00</news:publication_date>
    <news:title>Fresh story</news:title></news:news></url>
  <url><loc>/news/stale</loc>
    <news:news><news:publication><news:name>Test</news:name><news:language>en</news:language></news:publication>
    <news:publication_date>2026-10-01</news:publication_date><news:title>Stale story</news:title></news:news></url>
  <url><loc>{base}/news/undated</loc></url>
  <url><loc>{base}/news/seen</loc><lastmod>2026-11-29</lastmod></url>
</urlset>"""


def sitemap_site(server):
    base = server.base
    server.routes["/sitemap_index.xml"] = Route(INDEX.format(base=base).encode(), "application/xml")
    server.routes["/news-sitemap.xml.gz"] = Route(gzip.compress(NEWS.format(base=base).encode()),
                                                  "application/x-gzip")
    server.routes["/old-sitemap.xml"] = Route(b"<urlset/>", "application/xml")
    for name in ("fresh", "stale", "undated", "seen"):
        server.routes[f"/news/{name}"] = Route(page(name))


def test_sitemap_index_to_gzipped_news_sitemap_to_pages_since(server):
    sitemap_site(server)
    stats = Counter()
    seen = {server.base + "/news/seen"}.__contains__
    docs = by_source(fetch_urls([server.base + "/sitemap_index.xml"], LOCAL.with_(since="2026-11-01"),
                                     seen=seen, stats=stats))
    assert set(docs) == {server.base + "/news/fresh", server.base + "/news/undated"}
    fresh = docs[server.base + "/news/fresh"]
    assert fresh.error is None and fresh.hints == {"title": "Fresh story", "published": "2026-11-30T08:00:00+00:00",
                                                   "sitemap_language": "en"}
    assert "/old-sitemap.xml" not in server.paths() and "/news/stale" not in server.paths()
    assert stats["sitemaps"] == 2 and stats["sitemap_entries"] == 3 and stats["sitemap_entries_before_since"] == 2
    assert stats["fetch_skipped_seen"] == 1  # the ledger, like feed entries


def test_sitemap_without_since_takes_every_entry(server):
    sitemap_site(server)
    docs = by_source(fetch_urls([server.base + "/news-sitemap.xml.gz"], LOCAL))
    assert set(docs) == {server.base + f"/news/{n}" for n in ("fresh", "stale", "undated", "seen")}


def test_sitemap_is_recognised_by_content_and_parsed_safely(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    evil = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://a.example/&x;</loc></url>'
            '</urlset>').encode()
    assert looks_like_sitemap(evil) and looks_like_sitemap(b"\xef\xbb\xbf<sitemapindex>")
    assert not looks_like_sitemap(b'<?xml version="1.0"?><rss version="2.0"></rss>')
    parsed = parse_sitemap(evil, "http://a.example/")
    assert all("SECRET" not in e.loc for e in parsed.entries)
    with pytest.raises(SitemapError, match="malformed sitemap XML"):
        parse_sitemap(b"<urlset><url><loc>x</loc></url>", "http://a.example/")


def test_gzip_bomb_is_stopped_at_the_cap():
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000)
    with pytest.raises(SitemapError, match="too large"):
        gunzip_capped(bomb, 1_000_000)
    with pytest.raises(SitemapError, match="truncated gzip"):
        gunzip_capped(gzip.compress(b"<urlset></urlset>" * 1000)[:40], 1_000_000)
