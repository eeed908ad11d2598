"""Helpers shared by the local readers: suffixes, capped reads, error messages."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 16

# base suffix (after an optional trailing .gz) -> reader kind
SUFFIX_KINDS = {
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".warc": "warc",
}
URL_LIST_SUFFIX = ".urls"


@dataclass(frozen=True)
class FileKind:
    reader: str  # text | html | json | jsonl | warc
    gz: bool


def classify(path: Path) -> FileKind | None:
    """How to read ``path``, from its name; None for an unknown type."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    reader = SUFFIX_KINDS.get(Path(name).suffix)
    return FileKind(reader, gz) if reader else None


def known_suffixes() -> str:
    return ", ".join(list(SUFFIX_KINDS) + [".warc.gz", "any of these + .gz", URL_LIST_SUFFIX + " (URL list)"])


def too_large(size: int, limit: int, knob: str = "NEWSFLOW_MAX_DOCUMENT_BYTES", at_least: bool = False) -> str:
    more = "more than " if at_least else ""
    return f"too large: {more}{size} bytes (limit {limit}); raise {knob}"


def read_capped(stream: BinaryIO, limit: int) -> tuple[bytes | None, int, str]:
    """Read ``stream`` to the end keeping at most ``limit`` bytes.

    Returns (content or None when over the limit, total size, sha256 of all
    bytes). Past the limit the bytes are hashed and counted, not kept, so an
    oversized document still gets a stable identity without using memory.
    """
    digest = hashlib.sha256()
    kept: list[bytes] = []
    total = 0
    over = False
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        total += len(chunk)
        if not over:
            if total > limit:
                over = True
                kept.clear()
            else:
                kept.append(chunk)
    return (None if over else b"".join(kept)), total, digest.hexdigest()


def exc_text(exc: BaseException) -> str:
    """A one-line reason from an exception, without a traceback."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text or type(exc).__name__


def raw_prefix(path: Path, limit: int) -> bytes:
    """The file's own bytes when it is small enough to keep as evidence."""
    try:
        if path.stat().st_size <= limit:
            return path.read_bytes()
    except OSError:
        pass
    return b""


# error text prefix -> short machine-friendly reason, for quarantine rows
_REASONS = (
    ("refused:", "fetch_refused"),
    ("HTTP ", "http_error"),
    ("timed out", "fetch_timeout"),
    ("connect timed out", "fetch_timeout"),
    ("could not connect", "fetch_failed"),
    ("connection failed", "fetch_failed"),
    ("could not resolve host", "dns_failed"),
    ("TLS error", "tls_error"),
    ("too many redirects", "too_many_redirects"),
    ("not HTML", "not_html"),
    ("too large", "too_large"),
    ("feed has no entries", "empty_feed"),
    ("robots.txt disallows", "robots_disallowed"),
    ("sitemap has no entries", "empty_sitemap"),
    ("malformed sitemap", "bad_sitemap"),
    ("not a sitemap", "bad_sitemap"),
    ("sitemap index nested", "bad_sitemap"),
    ("a sitemap linked from", "nested_feed"),
    ("a feed linked from a feed", "nested_feed"),
    ("truncated gzip", "truncated_gzip"),
    ("not a valid gzip", "bad_gzip"),
    ("truncated WARC", "truncated_warc"),
    ("malformed JSON", "malformed_json"),
    ("not a JSON object", "malformed_json"),
    ("no text or html field", "no_text_field"),
    ("field ", "bad_text_field"),
    ("unreadable", "unreadable"),
    ("unsupported file type", "unsupported_file"),
)


def error_reason(error: str) -> str:
    """A short, stable reason code for a RawDocument ``error`` (the text itself goes in the detail)."""
    for prefix, reason in _REASONS:
        if error.startswith(prefix):
            return reason
    return "unreadable_source"
