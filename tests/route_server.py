"""A local HTTP server (127.0.0.1) with routes set per test, recording every request.

Answers conditional GETs like a real server: a route with an ETag or
Last-Modified answers 304 when the request's If-None-Match or
If-Modified-Since matches.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    status: int = 200
    headers: dict = field(default_factory=dict)  # e.g. {"ETag": '"v1"', "Location": "/x"}


@dataclass
class Hit:
    path: str
    headers: dict
    at: float  # monotonic time the request arrived


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: "RouteServer"

    def log_message(self, *args):
        pass

    def do_GET(self):
        hit = Hit(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
        with self.server.lock:
            self.server.hits.append(hit)
        route = self.server.routes.get(self.path) or Route(b"", None, 404)
        status, body = route.status, route.body
        etag, modified = route.headers.get("ETag"), route.headers.get("Last-Modified")
        if status == 200 and ((etag and hit.headers.get("if-none-match") == etag)
                              or (modified and not etag and hit.headers.get("if-modified-since") == modified)):
            status, body = 304, b""
        self.send_response(status)
        if route.content_type and status != 304:
            self.send_header("Content-Type", route.content_type)
        for name, value in route.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class RouteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def paths(self) -> list[str]:
        with self.lock:
            return [h.path for h in self.hits]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def page(title: str, words: int = 60) -> bytes:
    text = " ".join(f"{title.lower()} report word{i}" for i in range(words // 3))
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{text}.</p><p>{text} again.</p></article></body></html>").encode()
