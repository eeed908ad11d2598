"""robots.txt from hostile servers (fuzzing campaign, session 11): its read has a total deadline
and a size cap applied while inflating, like a page's."""
from __future__ import annotations

import resource
import time
from collections import Counter

from flows.settings import Settings
from flows.sources import fetch_urls
from tests.sources.conftest import single_member_bomb

LOCAL = Settings(allow_private=True, fetch_timeout_s=1.0)


def test_trickled_robots_txt_ends_at_the_deadline(robots_server):
    """robots.txt was read before any page deadline began (Crawl-delay pacing): a byte every
    50 ms held the host, and the run, for ever (and a SIGTERM waited on it)."""
    robots_server.robots = "trickle"
    stats = Counter()
    started = time.monotonic()
    docs = fetch_urls([robots_server.base + "/page/1", robots_server.base + "/page/2"], LOCAL, stats=stats)
    assert time.monotonic() - started < 60  # ends near 1 s; the bound only catches a hang
    assert all(d.error is None for d in docs) and stats["robots_unreachable"] == 1  # unreachable: allowed


def test_stacked_gzip_robots_txt_is_capped_while_inflating(robots_server):
    """httpx inflates each layer of ``gzip, gzip`` whole: a few KB became 1 GB in memory."""
    robots_server.robots = "gzip-gzip"
    robots_server.bomb = single_member_bomb(1024)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    [doc] = fetch_urls([robots_server.base + "/page/1"], LOCAL.with_(fetch_timeout_s=20.0))
    assert doc.error is None and b"Article number 1." in doc.content
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before < 200
