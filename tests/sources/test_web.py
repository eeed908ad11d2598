"""Fetching pages and feeds from a local server: each URL ends as a page or an error document."""
from __future__ import annotations

import re

from collections import Counter

import pytest

from flows.settings import Settings
from flows.sources import fetch_urls
from flows.sources import web
from flows.sources.safety import GuardedBackend, RefusedURL, check_url

# A roomy deadline: a busy CI machine must not turn a 0.3 s page into a timeout.
LOCAL = Settings(allow_private=True, fetch_timeout_s=10.0, fetch_max_bytes=10_000)


def by_source(docs):
    return {d.source: d for d in docs}


def test_page_is_fetched_with_metadata(http_server):
    url = http_server.base + "/page/1"
    [doc] = fetch_urls([url], LOCAL)
    assert doc.error is None
    assert (doc.source, doc.url, doc.kind) == (url, url, "html")
    assert b"Article number 1." in doc.content
    assert doc.content_type == "text/html; charset=utf-8"
    assert doc.fetched_at is not None and doc.fetched_at.tzinfo is not None
    assert set(http_server.user_agents) == {LOCAL.user_agent}  # robots.txt and the page


def test_redirect_keeps_requested_url_as_source(http_server):
    url = http_server.base + "/redirect-page"
    [doc] = fetch_urls([url], LOCAL)
    assert doc.error is None
    assert doc.source == url and doc.url == http_server.base + "/page/1"


def test_rss_entries_are_fetched_with_hints(http_server):
    stats = Counter()
    docs = fetch_urls([http_server.base + "/rss.xml"], LOCAL, stats=stats)
    pages = by_source(docs)
    assert set(pages) == {http_server.base + "/page/a", http_server.base + "/page/b"}
    first = pages[http_server.base + "/page/a"]
    assert first.error is None and b"Article number a." in first.content
    assert first.hints["title"] == "First story"
    assert first.hints["published"] == "2023-10-20T10:00:00+00:00"
    assert "Ann Writer" in first.hints["author"]
    assert stats["feeds"] == 1 and stats["feed_entries"] == 2 and stats["feed_entries_without_link"] == 1


def test_atom_relative_links_and_sniffed_feed(http_server):
    docs = fetch_urls([http_server.base + "/atom.xml", http_server.base + "/feed-as-xml"], LOCAL)
    pages = by_source(docs)
    atom = pages[http_server.base + "/page/c"]
    assert atom.error is None and atom.hints["title"] == "Atom story" and atom.hints["author"] == "Bob Reporter"
    assert http_server.base + "/page/a" in pages  # text/xml body recognised as RSS by its root element


def test_feed_without_entries_is_an_error_document(http_server):
    [doc] = fetch_urls([http_server.base + "/empty-feed.xml"], LOCAL)
    assert doc.error == "feed has no entries with a link"


def test_ledger_skips_seen_urls_unless_refetch(http_server):
    seen = {http_server.base + "/page/a", http_server.base + "/page/9"}
    stats = Counter()
    docs = fetch_urls([http_server.base + "/rss.xml", http_server.base + "/page/9"], LOCAL,
                           seen=seen.__contains__, stats=stats)
    assert [d.source for d in docs] == [http_server.base + "/page/b"]
    assert stats["fetch_skipped_seen"] == 2
    docs = fetch_urls([http_server.base + "/page/9"], LOCAL.with_(refetch=True), seen=seen.__contains__)
    assert len(docs) == 1 and docs[0].error is None


@pytest.mark.parametrize(
    "path, reason",
    [
        ("/missing", "HTTP 404 Not Found"),
        ("/slow", "timed out after 0.5 s"),
        ("/image", "not HTML: content-type image/png"),
        ("/huge", "too large: 50026 bytes (limit 10000); raise NEWSFLOW_FETCH_MAX_BYTES"),
        ("/huge-unsized", "too large: more than 10000 bytes (limit 10000); raise NEWSFLOW_FETCH_MAX_BYTES"),
        ("/loop", "too many redirects (more than 5)"),
    ],
)
def test_failures_become_error_documents(http_server, path, reason):
    url = http_server.base + path
    # Only /slow needs a short deadline (its server sleeps 1.5 s); the others keep the roomy one.
    settings = LOCAL.with_(fetch_timeout_s=0.5) if path == "/slow" else LOCAL
    [doc] = fetch_urls([url], settings)
    assert (doc.source, doc.error, doc.content) == (url, reason, b"")


def test_redirect_to_file_url_is_refused_even_when_private_allowed(http_server):
    [doc] = fetch_urls([http_server.base + "/redirect-file"], LOCAL)
    assert doc.error.startswith("refused: only http(s) URLs are fetched, not file: file:///etc/passwd")


def test_every_redirect_hop_is_checked(http_server):
    url = http_server.base + "/redirect-multicast"
    [doc] = fetch_urls([url], LOCAL)
    assert doc.error == f"refused: 224.0.0.1 is a multicast address (redirected from {url})"


def test_untyped_html_and_gzip_encoding_are_accepted(http_server):
    docs = by_source(fetch_urls([http_server.base + "/notype", http_server.base + "/gzipped"], LOCAL))
    assert b"Article number notype." in docs[http_server.base + "/notype"].content
    assert b"Article number gz." in docs[http_server.base + "/gzipped"].content


def test_transient_failures_are_retried(http_server, monkeypatch):
    monkeypatch.setattr(web, "BACKOFF_S", 0.01)
    stats = Counter()
    docs = by_source(fetch_urls([http_server.base + "/flaky", http_server.base + "/always-503"], LOCAL,
                                     stats=stats))
    assert docs[http_server.base + "/flaky"].error is None
    assert docs[http_server.base + "/always-503"].error == "HTTP 503 Service Unavailable (after 3 attempts)"
    assert stats["fetch_retries"] == 3


def test_loopback_is_refused_by_default(http_server):
    docs = fetch_urls([http_server.base + "/page/1", f"http://localhost:{http_server.server_port}/"], Settings())
    assert docs[0].error == "refused: 127.0.0.1 is a loopback address; pass --allow-private to allow it"
    assert docs[1].error.startswith("refused: localhost resolves to ")
    assert http_server.hits == []


@pytest.mark.parametrize(
    "url, words",
    [
        ("http://10.0.0.1/", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback address"),
        ("http://100.64.0.1/", "100.64.0.1 is not a public address"),
        ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
        ("ftp://example.com/", "only http(s) URLs are fetched"),
    ],
)
def test_per_hop_check_refuses_non_public_targets(url, words):
    """The check run on every redirect target, called directly (the test server itself is on loopback)."""
    with pytest.raises(RefusedURL, match=re.escape(words)):
        check_url(url, allow_private=False)


def test_allow_private_permits_private_but_not_multicast():
    check_url("http://10.0.0.1/", allow_private=True)
    with pytest.raises(RefusedURL, match="multicast"):
        check_url("http://224.0.0.1/", allow_private=True)


def test_connect_time_check_refuses_loopback(http_server):
    """The transport re-checks at connect time, so DNS rebinding after check_url cannot reach loopback."""
    with pytest.raises(RefusedURL, match="loopback"):
        GuardedBackend(allow_private=False).connect_tcp("127.0.0.1", http_server.server_port)
    GuardedBackend(allow_private=True).connect_tcp("127.0.0.1", http_server.server_port).close()


def test_pages_are_fetched_concurrently(start_http_server):
    # Counted by the server, not timed: a busy machine cannot fail it.
    server = start_http_server(delay=0.3)
    urls = [f"{server.base}/page/{i}" for i in range(20)]
    docs = fetch_urls(urls, LOCAL.with_(fetch_per_host=20))
    assert sorted(d.source for d in docs) == sorted(urls) and not any(d.error for d in docs)
    assert server.max_in_flight > 1  # one at a time would never overlap


def test_requests_per_host_are_limited(start_http_server):
    server = start_http_server(delay=0.05)
    docs = fetch_urls([f"{server.base}/page/{i}" for i in range(12)], LOCAL.with_(fetch_per_host=3))
    assert not any(d.error for d in docs)
    assert server.max_in_flight == 3


def test_a_password_in_a_url_is_used_but_not_stored(http_server):
    """The fetch uses the URL as given; what is stored about it (source, URL, the ledger) says ***."""
    secret = http_server.base.replace("http://", "http://ann:s3cret@")
    shown = http_server.base.replace("http://", "http://ann:***@")
    [page, missing] = fetch_urls([secret + "/page/1", secret + "/missing"], LOCAL)
    assert page.error is None and b"Article number 1." in page.content
    assert (page.source, page.url) == (shown + "/page/1", shown + "/page/1")
    assert missing.error == "HTTP 404 Not Found" and missing.source == shown + "/missing"
    stats = Counter()
    assert fetch_urls([secret + "/page/1"], LOCAL, seen={page.source}.__contains__, stats=stats) == []
    assert stats["fetch_skipped_seen"] == 1


def test_without_password():
    from flows.sources.common import without_password

    assert without_password("https://ann:p%40ss@host.example:8443/a?b=c#d") == "https://ann:***@host.example:8443/a?b=c#d"
    for url in ("https://ann@host/", "https://host/a:b@c", "http://[::1", "https://host/?next=http://a:b@c"):
        assert without_password(url) == url
