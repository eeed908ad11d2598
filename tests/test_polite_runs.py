"""Polite fetching through the real flow: robots.txt refusals quarantined with their rule,
conditional GET on the next poll (nothing downloaded, nothing stored), sitemaps with --since."""
from __future__ import annotations

import gzip

import duckdb
import pytest

from flows.pipeline import newsflow_flow
from route_server import Route, RouteServer, page
from tests_support import SEEDS_DIR

pytestmark = pytest.mark.slow

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>{base}/</link>
<item><title>One</title><link>{base}/news/one</link></item>
<item><title>Two</title><link>{base}/news/two</link></item></channel></rss>"""
NEWS = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{base}/news/three</loc><news:news><news:publication><news:name>T</news:name><news:language>en</news:language>
</news:publication><news:publication_date>2026-11-30</news:publication_date><news:title>Three</news:title></news:news></url>
<url><loc>{base}/news/old</loc><lastmod>2019-05-01</lastmod></url></urlset>"""
INDEX = """<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base}/news.xml.gz</loc></sitemap></sitemapindex>"""


def seed_page(i: int) -> bytes:
    text = sorted(SEEDS_DIR.glob("*.txt"))[i].read_text(encoding="utf-8")
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n") if p.strip())
    return f"<html><head><title>Story {i}</title></head><body><article>{paragraphs}</article></body></html>".encode()


@pytest.fixture
def site():
    server = RouteServer()
    base = server.base
    server.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    server.routes["/feed.xml"] = Route(RSS.format(base=base).encode(), "application/rss+xml", headers={"ETag": '"f1"'})
    server.routes["/sitemap_index.xml"] = Route(INDEX.format(base=base).encode(), "application/xml",
                                                headers={"Last-Modified": "Mon, 30 Nov 2026 08:00:00 GMT"})
    server.routes["/news.xml.gz"] = Route(gzip.compress(NEWS.format(base=base).encode()), "application/gzip",
                                          headers={"ETag": '"s1"'})
    for i, name in enumerate(("one", "two", "three", "old")):
        server.routes[f"/news/{name}"] = Route(seed_page(i), headers={"ETag": f'"{name}"'})
    server.routes["/private/x"] = Route(page("x"))
    yield server
    server.stop()


def test_robots_conditional_get_and_sitemaps_through_the_flow(prefect_api, tmp_path, site):
    db = str(tmp_path / "news.duckdb")
    sources = [site.base + "/feed.xml", site.base + "/sitemap_index.xml", site.base + "/private/x"]
    first = newsflow_flow(sources=sources, db_path=db, allow_private=True, since="2026-11-01")
    assert first["status"] == "completed"
    counts = first["counts"]
    assert counts["source_robots_disallowed"] == 1 and counts["source_sitemap_entries_before_since"] == 1
    con = duckdb.connect(db, read_only=True)
    [(reason, detail)] = con.execute("SELECT reason, detail FROM quarantine WHERE source LIKE '%/private/x'").fetchall()
    assert reason == "robots_disallowed" and detail.endswith("Disallow: /private/ (User-agent: *)")
    stored = {s.rsplit("/", 1)[-1] for (s,) in con.execute("SELECT source FROM raw_articles").fetchall()}
    assert stored == {"one", "two", "three", "x"}  # "old" is dated before --since
    state = dict(con.execute("SELECT url, coalesce(etag, last_modified) FROM fetch_state").fetchall())
    assert state[site.base + "/feed.xml"] == '"f1"' and state[site.base + "/news.xml.gz"] == '"s1"'
    assert state[site.base + "/sitemap_index.xml"] == "Mon, 30 Nov 2026 08:00:00 GMT"
    n_raw = con.execute("SELECT count(*) FROM raw_articles").fetchone()[0]
    con.close()

    before = len(site.hits)
    second = newsflow_flow(sources=sources, db_path=db, allow_private=True, since="2026-11-01")
    polled = {h.path: h.headers for h in site.hits[before:]}
    assert polled["/feed.xml"]["if-none-match"] == '"f1"'
    assert polled["/sitemap_index.xml"]["if-modified-since"] == "Mon, 30 Nov 2026 08:00:00 GMT"
    assert not any(p.startswith("/news/") for p in polled)  # 304s: no entries to fetch
    assert second["counts"]["source_fetch_not_modified"] == 2

    before = len(site.hits)
    third = newsflow_flow(sources=[site.base + f"/news/{n}" for n in ("one", "two")], db_path=db,
                          allow_private=True, refetch=True)
    polled = {h.path: h.headers for h in site.hits[before:]}
    assert polled["/news/one"]["if-none-match"] == '"one"'
    assert third["counts"]["source_fetch_not_modified"] == 2 and third["counts"].get("new", 0) == 0
    con = duckdb.connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM raw_articles").fetchone()[0] == n_raw  # nothing stored twice
    assert con.execute("SELECT last_status FROM fetch_state WHERE url = ?", [site.base + "/feed.xml"]).fetchone()[0] == 304
    con.close()


def test_ignore_robots_through_the_cli(cli_env, tmp_path, site, cli):
    """--ignore-robots (for one's own sites): the disallowed page is fetched and robots.txt is not asked."""
    db = str(tmp_path / "own.duckdb")
    proc = cli(["run", site.base + "/private/x", "--db", db, "--allow-private", "--ignore-robots", "--json"], cli_env)
    assert proc.returncode == 0, proc.stderr
    assert "/robots.txt" not in site.paths() and "/private/x" in site.paths()
    con = duckdb.connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM raw_articles WHERE read_error IS NULL").fetchone()[0] == 1
    con.close()
