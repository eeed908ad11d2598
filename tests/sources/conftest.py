"""A small local HTTP server for the fetch tests (offline, on 127.0.0.1)."""
from __future__ import annotations

import contextlib
import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

PAGE = "<html><head><title>Page {n}</title></head><body><p>Article number {n}.</p></body></html>"

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test feed</title><link>{base}/</link>
<item><title>First story</title><link>{base}/page/a</link><pubDate>Fri, 20 Oct 2023 10:00:00 GMT</pubDate>
<author>ann@example.com (Ann Writer)</author></item>
<item><title>Second story</title><link>{base}/page/b</link><pubDate>Sat, 21 Oct 2023 11:30:00 GMT</pubDate></item>
<item><title>No link here</title></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom test</title><id>urn:test</id>
<updated>2023-10-22T09:00:00Z</updated>
<entry><title>Atom story</title><link href="/page/c"/><id>urn:c</id>
<updated>2023-10-22T09:00:00Z</updated><author><name>Bob Reporter</name></author></entry>
</feed>"""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid the delayed-ACK stall
    server: "TestServer"

    def log_message(self, *args):  # keep test output quiet
        pass

    def send(self, status, body=b"", content_type="text/html; charset=utf-8", headers=()):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with self.server.lock:
            self.server.in_flight += 1
            self.server.max_in_flight = max(self.server.max_in_flight, self.server.in_flight)
        try:
            self.respond()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts, size caps)
            self.close_connection = True
        finally:
            with self.server.lock:
                self.server.in_flight -= 1

    def respond(self):
        self.server.hits.append(self.path)
        self.server.user_agents.append(self.headers.get("User-Agent"))
        if self.server.delay:
            time.sleep(self.server.delay)
        path = self.path
        base = f"http://127.0.0.1:{self.server.server_port}"
        if path.startswith("/page/"):
            self.send(200, PAGE.format(n=path[6:]).encode())
        elif path == "/rss.xml":
            self.send(200, RSS.format(base=base).encode(), "application/rss+xml")
        elif path == "/feed-as-xml":  # a feed served with a generic XML type: found by sniffing
            self.send(200, RSS.format(base=base).encode(), "text/xml")
        elif path == "/atom.xml":
            self.send(200, ATOM.encode(), "application/atom+xml; charset=utf-8")
        elif path == "/empty-feed.xml":
            self.send(200, b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
                      "application/rss+xml")
        elif path == "/missing":
            self.send(404, b"<html>not here</html>")
        elif path == "/slow":
            time.sleep(1.5)
            self.send(200, PAGE.format(n="slow").encode())
        elif path == "/redirect-page":
            self.send(301, headers=[("Location", "/page/1")])
        elif path == "/redirect-file":
            self.send(302, headers=[("Location", "file:///etc/passwd")])
        elif path == "/redirect-multicast":  # refused at the hop even with allow_private
            self.send(302, headers=[("Location", "http://224.0.0.1/")])
        elif path == "/loop":
            self.send(302, headers=[("Location", "/loop")])
        elif path == "/huge":
            self.send(200, b"<html><body>" + b"x" * 50_000 + b"</body></html>")
        elif path == "/huge-unsized":  # no Content-Length: the cap must stop the stream
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            for _ in range(100):
                self.wfile.write(b"<p>" + b"y" * 1000 + b"</p>")
        elif path == "/image":
            self.send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")
        elif path == "/notype":
            self.send(200, PAGE.format(n="notype").encode(), content_type=None)
        elif path == "/gzipped":
            self.send(200, gzip.compress(PAGE.format(n="gz").encode()), headers=[("Content-Encoding", "gzip")])
        elif path == "/flaky":
            self.server.flaky += 1
            if self.server.flaky == 1:
                self.send(503, b"busy")
            else:
                self.send(200, PAGE.format(n="flaky").encode())
        elif path.split("?", 1)[0] == "/always-503":
            self.send(503, b"busy")
        else:
            self.send(404, b"")


class TestServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, delay: float = 0.0):
        super().__init__(("127.0.0.1", 0), Handler)
        self.delay = delay
        self.hits: list[str] = []
        self.user_agents: list[str] = []
        self.flaky = 0
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


def start_server(delay: float = 0.0) -> TestServer:
    server = TestServer(delay)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server


@pytest.fixture
def start_http_server():
    """Start servers (with an optional delay per request); all are stopped after the test."""
    servers = []

    def start(delay: float = 0.0) -> TestServer:
        servers.append(start_server(delay))
        return servers[-1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def http_server(start_http_server):
    return start_http_server()


class HostileHandler(Handler):
    """Pages that used to hang or blow up a fetch (issue 13)."""

    def handle(self):
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):  # the client gave up on purpose (deadline, cap)
            self.close_connection = True

    def respond(self):
        path = self.path
        if path == "/trickle":  # headers one byte at a time: each read is quick, the whole never ends
            self.close_connection = True
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + b"X-Pad: " + b"a" * 10_000 + b"\r\n\r\n"
            for i in range(len(head)):
                self.wfile.write(head[i:i + 1])
                self.wfile.flush()
                time.sleep(0.05)
        elif path == "/gzip-gzip":  # 1 MB on the wire, gigabytes once both layers are undone
            self.send(200, self.server.double_bomb, headers=[("Content-Encoding", "gzip, gzip")])
        elif path == "/gzip-twice-small":
            body = gzip.compress(gzip.compress(PAGE.format(n="twice").encode()))
            self.send(200, body, headers=[("Content-Encoding", "gzip, gzip")])
        elif path == "/deflate":
            import zlib

            self.send(200, zlib.compress(PAGE.format(n="deflate").encode()), headers=[("Content-Encoding", "deflate")])
        elif path == "/brotli":
            self.send(200, b"\x0b\x01\x80hello\x03", headers=[("Content-Encoding", "br")])
        elif path == "/pis":  # dozens of XML processing instructions before an HTML page
            article = "".join(f"<p>Sentence {i} of an ordinary article that follows dozens of XML processing "
                              f"instructions, which once made the feed sniffing spin for minutes.</p>"
                              for i in range(6))
            body = PAGE.format(n="pis").replace("</p>", "</p>" + article)
            self.send(200, b'<?xml version="1.0"?>' * 60 + body.encode(), content_type=None)
        elif path == "/big-feed.xml":
            base = f"http://127.0.0.1:{self.server.server_port}"
            items = "".join(f"<item><title>Big {i}</title><link>{base}/big/{i}</link></item>"
                            for i in range(self.server.feed_entries))
            self.send(200, f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode(),
                      "application/rss+xml")
        elif path.startswith("/big/"):
            self.send(200, b"<html><body><p>" + b"big page words " * (self.server.page_bytes // 15) + b"</p></body></html>")
        else:
            super().respond()


def double_gzip_bomb(inflated_mb: int) -> bytes:
    """gzip(gzip(zeros)): the inner layer is members of 1 MB of zeros, so it is built in kilobytes."""
    inner = gzip.compress(b"\0" * (1 << 20), 9) * inflated_mb
    return gzip.compress(inner, 9)


@contextlib.contextmanager
def running_hostile_server(feed_entries: int, page_bytes: int):
    """The hostile server on 127.0.0.1: a 2 GB double-gzip bomb, a feed of ``feed_entries``
    pages of ``page_bytes`` each, trickled headers."""
    server = TestServer()
    server.RequestHandlerClass = HostileHandler
    server.double_bomb = double_gzip_bomb(2048)
    server.feed_entries = feed_entries
    server.page_bytes = page_bytes
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hostile_server():
    with running_hostile_server(feed_entries=60, page_bytes=1 << 20) as server:
        yield server


def single_member_bomb(inflated_mb: int) -> bytes:
    """One gzip member of ``inflated_mb`` MB of zeros, compressed 1 MB at a time (built in seconds)."""
    import zlib

    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(inflated_mb)) + packer.flush()


class RobotsHandler(Handler):
    """robots.txt as hostile servers write it (``server.robots``); pages as the plain handler."""

    def handle(self):
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            self.close_connection = True

    def respond(self):
        if self.path != "/robots.txt":
            return super().respond()
        self.server.hits.append(self.path)
        mode = self.server.robots
        if mode == "trickle":  # a byte every 50 ms, for ever: each read is quick, the whole never ends
            self.close_connection = True
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
            for _ in range(100_000):
                self.wfile.write(b"#")
                self.wfile.flush()
                time.sleep(0.05)
        elif mode == "gzip-gzip":  # a few KB on the wire; the inner layer is one member of 1 GB
            self.send(200, gzip.compress(self.server.bomb), "text/plain", [("Content-Encoding", "gzip, gzip")])


@pytest.fixture
def robots_server():
    """A server whose robots.txt misbehaves as ``server.robots`` says."""
    server = TestServer()
    server.RequestHandlerClass = RobotsHandler
    server.robots = ""
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()
