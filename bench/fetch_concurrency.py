"""How much concurrent fetching saves: 1 page vs 50 pages from a server with 50 ms latency.

Runs a local HTTP server on 127.0.0.1 that waits LATENCY_S before each answer,
then times fetch_urls on 1 URL and on 50 URLs: with the default
per-host limit (fetch_per_host, polite to one site) and with the limit raised
to 50 (what the overall pool allows when the URLs are spread over many
sites), and one at a time (fetch_concurrency=1), the serial baseline.

    .venv/bin/python bench/fetch_concurrency.py
"""
from __future__ import annotations

import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.settings import Settings  # noqa: E402
from flows.sources import fetch_urls  # noqa: E402

LATENCY_S = 0.05
PAGES = 50
BODY = b"<html><body>" + b"<p>Some words of an article.</p>" * 200 + b"</body></html>"


class Slow(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid the delayed-ACK stall

    def log_message(self, *args):
        pass

    def do_GET(self):
        time.sleep(LATENCY_S)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def timed(urls, settings) -> float:
    started = time.perf_counter()
    docs = fetch_urls(urls, settings)
    elapsed = time.perf_counter() - started
    assert len(docs) == len(urls) and not any(d.error for d in docs), [d.error for d in docs if d.error][:3]
    return elapsed


def main() -> None:
    server = Server(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    settings = Settings(allow_private=True)
    try:
        timed([f"{base}/warmup"], settings)
        one = min(timed([f"{base}/one/{i}"], settings) for i in range(3))
        many_default = timed([f"{base}/a/{i}" for i in range(PAGES)], settings)
        many_open = timed([f"{base}/b/{i}" for i in range(PAGES)], settings.with_(fetch_per_host=PAGES))
        serial = timed([f"{base}/c/{i}" for i in range(PAGES)], settings.with_(fetch_concurrency=1, fetch_per_host=1))
    finally:
        server.shutdown()
        server.server_close()
    rows = [
        ("1 page", one),
        (f"{PAGES} pages, fetch_per_host={settings.fetch_per_host} (default)", many_default),
        (f"{PAGES} pages, fetch_per_host={PAGES}", many_open),
    ]
    print(f"server latency {LATENCY_S * 1000:.0f} ms, fetch_concurrency {settings.fetch_concurrency}")
    for label, seconds in rows:
        extra = "" if seconds is one else f"  (+{seconds - one:.3f} s over 1 page; {serial / seconds:.1f}x faster than serial)"
        print(f"{label:<38} {seconds:.3f} s{extra}")
    print(f"{f'{PAGES} pages one at a time (measured)':<38} {serial:.3f} s  ({PAGES} x 1 page: {PAGES * one:.3f} s)")

if __name__ == "__main__":
    main()
