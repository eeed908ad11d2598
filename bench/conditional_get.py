"""What conditional GET saves when an unchanged feed is polled again.

A local server on 127.0.0.1 serves a large RSS feed (500 entries, about 0.5 MB)
with an ETag; its entries are all in the ledger already (as after the first
hourly run), so each poll costs only the feed itself. Times POLLS polls with
and without the stored validators, and counts the bytes the server sent.

    .venv/bin/python bench/conditional_get.py
"""
from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.settings import Settings  # noqa: E402
from flows.sources import fetch_urls  # noqa: E402
from flows.sources.fetch_state import FetchState  # noqa: E402

POLLS = 20
ENTRIES = 500
ETAG = '"feed-v1"'


def feed(base: str) -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}/news/{i}</link>"
        f"<description>{'Words of a summary. ' * 40}</description></item>"
        for i in range(ENTRIES)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


class Feed(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sent = 0

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/feed.xml" and self.headers.get("If-None-Match") == ETAG:
            self.send_response(304)
            self.send_header("ETag", ETAG)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.server.body if self.path == "/feed.xml" else b""
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", ETAG)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        Feed.sent += len(body)


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    base = f"http://127.0.0.1:{server.server_port}"
    server.body = feed(base)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = Settings(allow_private=True, fetch_max_bytes=16 * 1024 * 1024)
    ledger = {f"{base}/news/{i}" for i in range(ENTRIES)}.__contains__
    results = {}
    for label, validators in (("plain GET", False), ("conditional GET", True)):
        Feed.sent = 0
        stats = Counter()
        started = time.perf_counter()
        for _ in range(POLLS):
            state = FetchState({f"{base}/feed.xml": (ETAG, None)} if validators else None)
            fetch_urls([f"{base}/feed.xml"], settings, seen=ledger, stats=stats, state=state)
        elapsed = time.perf_counter() - started
        results[label] = elapsed
        print(f"{label:<16} {POLLS} polls of a {len(server.body) / 1e6:.1f} MB feed: {elapsed:6.2f} s, "
              f"{Feed.sent / 1e6:7.1f} MB sent, not modified {stats['fetch_not_modified']}")
    print(f"conditional / plain time: {results['conditional GET'] / results['plain GET']:.3f}")
    server.shutdown()


if __name__ == "__main__":
    main()
