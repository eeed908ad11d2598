"""Hard limits on one fetch: a total deadline, and content decoding capped while it streams.

httpx's timeouts are per operation: a server that trickles its headers one
byte at a time never trips a read timeout. :class:`DeadlineStream` wraps every
connection the fetcher opens (flows.sources.safety.GuardedBackend) and gives
each read, write and TLS handshake at most the time left before the deadline
of the fetch running in the current thread (``with fetch_deadline(t): ...``):
connect, headers and body share one budget. :func:`cancel_fetches` makes every
connection fail at its next operation (a run ending on SIGTERM).

httpx inflates ``Content-Encoding`` without a bound on what one network chunk
may become (a stacked ``gzip, gzip`` body grew to 2 GB before the size cap
was looked at). :class:`ContentDecoder` undoes the encodings itself, layer by
layer, each ``decompress`` call asked for at most CHUNK bytes, and stops as
soon as any layer's output passes the cap.
"""
from __future__ import annotations

import contextlib
import threading
import time
import zlib
from collections.abc import Iterator

import httpcore

CHUNK = 1 << 16
_local = threading.local()
_cancelled = threading.Event()


@contextlib.contextmanager
def fetch_deadline(deadline: float) -> Iterator[None]:
    """Every network operation of this thread inside the block ends by ``deadline`` (time.monotonic())."""
    previous = getattr(_local, "deadline", None)
    _local.deadline = deadline
    try:
        yield
    finally:
        _local.deadline = previous


@contextlib.contextmanager
def fetch_budget(seconds: float) -> Iterator[None]:
    """``fetch_deadline`` ``seconds`` from now, or the current fetch's deadline if that comes first
    (a robots.txt read outside any page fetch still gets a total deadline)."""
    deadline = time.monotonic() + seconds
    current = getattr(_local, "deadline", None)
    with fetch_deadline(deadline if current is None else min(current, deadline)):
        yield


def cancel_fetches() -> None:
    """Make every open and future connection of this process fail at once."""
    _cancelled.set()


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    if _cancelled.is_set():
        raise httpcore.ReadError("fetching was cancelled (the run is ending)")
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the fetch deadline passed")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation is bounded by the current fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> "DeadlineStream":
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname,
                                                    _bounded(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


def connect_timeout(timeout: float | None) -> float | None:
    """The connect timeout, bounded by the current fetch's deadline."""
    return _bounded(timeout, httpcore.ConnectTimeout)


class TooLarge(Exception):
    """The decoded body passed the cap."""


class UnsupportedEncoding(Exception):
    """A Content-Encoding the fetcher does not undo (it only asks for gzip and deflate)."""


ACCEPT_ENCODING = "gzip, deflate"


class _Layer:
    """One gzip or deflate layer; several gzip members in a row are read as one stream."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.wbits = 47 if name in ("gzip", "x-gzip") else 15  # 47: gzip or zlib header; deflate: zlib, else raw
        self.d = zlib.decompressobj(self.wbits)
        self.started = False
        self.produced = 0

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                out = self.d.decompress(data, CHUNK)
            except zlib.error:
                if self.name == "deflate" and not self.started and self.wbits == 15:
                    self.wbits, self.d = -15, zlib.decompressobj(-15)  # raw deflate, as some servers send
                    continue
                raise
            self.started = True
            data = self.d.unconsumed_tail
            if self.d.eof and self.d.unused_data:  # the next gzip member
                # unused_data already holds unconsumed_tail: adding both doubled the input at every
                # member (a body of many small members grew without end)
                data = self.d.unused_data
                self.d = zlib.decompressobj(self.wbits)
            if out:
                self.produced += len(out)
                yield out
            elif not self.d.unconsumed_tail and not self.d.eof:
                break


class ContentDecoder:
    """Undo ``Content-Encoding`` (e.g. ``gzip, gzip``) while streaming, at most ``cap`` bytes a layer."""

    def __init__(self, header: str | None, cap: int) -> None:
        names = [n.strip().lower() for n in (header or "").split(",") if n.strip()]
        names = [n for n in names if n != "identity"]
        for n in names:
            if n not in ("gzip", "x-gzip", "deflate"):
                raise UnsupportedEncoding(f"unsupported content-encoding {n!r}")
        self.layers = [_Layer(n) for n in reversed(names)]  # the last encoding applied is undone first
        self.cap = cap

    def feed(self, data: bytes) -> Iterator[bytes]:
        yield from self._through(0, data)

    def _through(self, i: int, data: bytes) -> Iterator[bytes]:
        if i == len(self.layers):
            yield data
            return
        layer = self.layers[i]
        for out in layer.feed(data):
            if layer.produced > self.cap:
                raise TooLarge(layer.produced)
            yield from self._through(i + 1, out)
