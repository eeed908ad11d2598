"""Helpers shared by the local readers: suffixes, capped reads, error messages."""
from __future__ import annotations

import gzip
import hashlib
import os
import re
import stat
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
    """How to read ``path``, from its name; None for an unknown type. Called twice per file of a
    folder (listing it, reading it), so the suffix is found as ``PurePath.suffix`` finds it,
    without a path object, and the kinds are shared (they are frozen)."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    dot = name.rfind(".")
    reader = SUFFIX_KINDS.get(name[dot:] if 0 < dot < len(name) - 1 else "")
    return _KINDS[reader, gz] if reader else None


_KINDS = {(reader, gz): FileKind(reader, gz) for reader in set(SUFFIX_KINDS.values()) for gz in (False, True)}


def known_suffixes() -> str:
    return ", ".join(list(SUFFIX_KINDS) + [".warc.gz", "any of these + .gz", URL_LIST_SUFFIX + " (URL list)"])


def too_large(size: int, limit: int, knob: str = "NEWSFLOW_MAX_DOCUMENT_BYTES", at_least: bool = False) -> str:
    more = "more than " if at_least else ""
    return f"too large: {more}{size} bytes (limit {limit}); raise {knob}"


def read_capped(stream: BinaryIO, limit: int, inflating: bool = False) -> tuple[bytes | None, int, str]:
    """Read ``stream`` keeping at most ``limit`` bytes.

    Returns (content or None when over the limit, total size, sha256 of the
    bytes read). Past the limit the bytes of a stored stream (a file, a WARC
    block) are hashed and counted, not kept, so an oversized document still
    gets a stable identity without using memory. An ``inflating`` stream (gzip,
    a Content-Encoding) stops one chunk past the limit: a small bomb could
    otherwise inflate for hours; its size is then "more than" the total.
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
                if inflating:
                    break
            else:
                kept.append(chunk)
    return (None if over else b"".join(kept)), total, digest.hexdigest()


def read_at_most(stream: BinaryIO, limit: int) -> bytes:
    """Up to ``limit`` bytes, read in chunks: a gzip stream inflates CHUNK at a time,
    so a small file that inflates to gigabytes never holds more than ``limit``."""
    parts: list[bytes] = []
    held = 0
    while held < limit:
        chunk = stream.read(min(CHUNK, limit - held))
        if not chunk:
            break
        parts.append(chunk)
        held += len(chunk)
    return b"".join(parts)


def exc_text(exc: BaseException) -> str:
    """A one-line reason from an exception, without a traceback."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, RecursionError):
        return "nested too deep"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text or type(exc).__name__


def special_kind(mode: int) -> str | None:
    """What a non-regular file is ("a FIFO", "a character device"...), None for a regular file."""
    for test, name in ((stat.S_ISREG, None), (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: Path) -> BinaryIO:
    """Open a file for reading only if it is a regular file.

    A FIFO would block ``open`` itself, a device such as /dev/zero streams
    forever: the type is checked before opening, the open does not block
    (O_NONBLOCK), and the opened descriptor is checked again (the path could
    have been swapped in between). Raises OSError "not a regular file: ...".
    """
    kind = special_kind(os.stat(path).st_mode)
    if kind:
        raise OSError(f"not a regular file: {kind}")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        kind = special_kind(os.fstat(fd).st_mode)
        if kind:
            raise OSError(f"not a regular file: {kind}")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_input(path: Path, gz: bool) -> BinaryIO:
    """A regular file, gunzipped while read when ``gz`` (closing it closes the file too).
    gzip inflates at most what each read asks for, so memory follows the reads."""
    stream = open_regular(path)
    if not gz:
        return stream
    unzipped = gzip.GzipFile(fileobj=stream, mode="rb")
    unzipped.myfileobj = stream  # GzipFile closes what it opened itself: make that this file
    return unzipped


def raw_prefix(path: Path, limit: int) -> bytes:
    """The file's own bytes when it is small enough to keep as evidence."""
    try:
        info = os.stat(path)
        if stat.S_ISREG(info.st_mode) and info.st_size <= limit:
            with open_regular(path) as stream:
                return stream.read(limit + 1)[:limit]
    except OSError:
        pass
    return b""


# error text prefix -> short machine-friendly reason, for quarantine rows
_REASONS = (
    ("refused: outside the folder", "outside_folder"),
    ("refused: a symlink loop", "symlink_loop"),
    ("refused:", "fetch_refused"),
    ("HTTP ", "http_error"),
    ("timed out", "fetch_timeout"),
    ("connect timed out", "fetch_timeout"),
    ("could not connect", "fetch_failed"),
    ("connection failed", "fetch_failed"),
    ("could not resolve host", "dns_failed"),
    ("TLS error", "tls_error"),
    ("too many redirects", "too_many_redirects"),
    ("bad redirect", "bad_redirect"),
    ("host failing", "host_failing"),
    ("crawl delay:", "crawl_delay_deferred"),
    ("not HTML", "not_html"),
    ("too large", "too_large"),
    ("feed has no entries", "empty_feed"),
    ("no documents in this file", "no_documents"),
    ("robots.txt disallows", "robots_disallowed"),
    ("sitemap has no entries", "empty_sitemap"),
    ("sitemap lists more than", "sitemap_truncated"),
    ("malformed sitemap", "bad_sitemap"),
    ("not a sitemap", "bad_sitemap"),
    ("sitemap index nested", "bad_sitemap"),
    ("a sitemap linked from", "nested_feed"),
    ("a feed linked from a feed", "nested_feed"),
    ("truncated gzip", "truncated_gzip"),
    ("not a valid gzip", "bad_gzip"),
    ("truncated WARC", "truncated_warc"),
    ("undecodable Content-Encoding", "bad_content_encoding"),
    ("payload cut short", "bad_content_encoding"),
    ("malformed JSON", "malformed_json"),
    ("not a JSON object", "malformed_json"),
    ("no text or html field", "no_text_field"),
    ("field ", "bad_text_field"),
    ("changed while read", "changed_while_read"),
    ("unreadable: not a regular file", "not_regular_file"),
    ("unreadable", "unreadable"),
    ("unsupported file type", "unsupported_file"),
)


# the prefixes by first character, in their order: a file of a million bad JSON lines asks a million
# times, and trying all of them (or one regular expression of them) cost 2.5 µs an answer
_REASONS_BY_INITIAL: dict[str, tuple[tuple[str, str], ...]] = {}
for _prefix, _reason in _REASONS:
    _REASONS_BY_INITIAL[_prefix[0]] = _REASONS_BY_INITIAL.get(_prefix[0], ()) + ((_prefix, _reason),)


def error_reason(error: str) -> str:
    """A short, stable reason code for a RawDocument ``error`` (the text itself goes in the detail)."""
    for prefix, reason in _REASONS_BY_INITIAL.get(error[:1], ()):
        if error.startswith(prefix):
            return reason
    return "unreadable_source"


_PASSWORD = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/?#@:]*):[^/?#@]*@")


def without_password(url: str) -> str:
    """``url`` with the password of its user info written ``***`` (``https://ann:***@host/``).

    What newsflow stores about a fetch (a document's source and URL, the conditional-GET ledger)
    is read by everyone who can query the database; the fetch itself uses the URL as given."""
    return _PASSWORD.sub(r"\1:***@", url, count=1)
