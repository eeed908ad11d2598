"""The records passed between stages.

One type per boundary: sources yield ``RawDocument``; cleaning turns each into
an ``Article`` or a ``Rejection`` (never ``None``); quality checks may turn an
``Article`` into a ``Rejection`` too. Stages are plain functions over lists of
these, so they can be tested without Prefect or DuckDB.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


PACK_ENCODING = "zstd"  # raw_articles.content_encoding of compressed content


def _zstd():
    import pyarrow as pa

    return pa.Codec("zstd", compression_level=1)


def pack(content: bytes) -> bytes:
    """Compress raw bytes for storage (DuckDB does not compress large BLOBs)."""
    return _zstd().compress(content, asbytes=True)


def unpack(content: bytes | None, encoding: str | None, size: int) -> bytes:
    """Stored raw content back to the bytes as received (``size``: raw_articles.size_bytes)."""
    content = bytes(content or b"")
    if encoding is None:
        return content
    if encoding == PACK_ENCODING:
        return _zstd().decompress(content, decompressed_size=size, asbytes=True)
    raise ValueError(f"unknown raw content encoding {encoding!r}")


def make_raw_id(source: str, content_hash: str) -> str:
    """Raw documents are keyed by source and content: the same bytes from the
    same place are one row however often they are ingested."""
    return sha256_hex(f"{source}\x00{content_hash}".encode())[:32]


@dataclass(slots=True)
class RawDocument:
    """One input document as read: a file, a JSON line, a WARC record, a page.

    ``content`` is the document's bytes after transport decoding (gunzip), not
    yet charset-decoded. ``kind`` says how to clean it: ``text`` (a plain-text
    dump), ``html``, or ``json`` fields already split into ``hints``.
    ``error`` is set when the source could not be read whole (a truncated
    gzip, an unreadable file): such a document is stored and quarantined.
    """

    source: str
    kind: str  # "text" | "html"
    content: bytes
    url: str | None = None
    fetched_at: datetime | None = None
    hints: dict = field(default_factory=dict)  # title, published, author from JSON/feeds/WARC
    error: str | None = None
    content_type: str | None = None  # declared MIME type and charset, if any
    content_hash: str = ""
    raw_id: str = ""
    packed: bytes | None = None  # content zstd-compressed for storage (by a cleaning worker), if done

    def stored_content(self) -> tuple[bytes, str | None]:
        """What goes into raw_articles.content, and its encoding."""
        return (self.packed, PACK_ENCODING) if self.packed is not None else (self.content, None)

    def __post_init__(self) -> None:
        if not self.content_hash:
            self.content_hash = sha256_hex(self.content)
        if not self.raw_id:
            try:
                self.raw_id = make_raw_id(self.source, self.content_hash)
            except UnicodeEncodeError:  # a file name that is not UTF-8: Python's surrogate escapes
                self.source = printable_source(self.source)
                self.raw_id = make_raw_id(self.source, self.content_hash)
        if self.error and not self.error.isascii():  # it may name the file (a link's target)
            self.error = printable_source(self.error)


def valid_unicode(text: str) -> str:
    """``text`` with its lone surrogates (a JSON ``"\\ud800"`` escape parses to one) written U+FFFD:
    UTF-8, and so DuckDB, Arrow and pandas, cannot hold them (one in a title failed the whole run)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


# C0 and C1 control characters that are neither whitespace nor a line break (str.splitlines's): a
# terminal's escape sequences (ESC), its bell, NUL. HTML loses them in parsing; text and JSON kept them
# into titles and texts, and `newsflow search` printed them to the terminal as they were.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def without_controls(text: str) -> str:
    """``text`` without control characters other than whitespace and line breaks."""
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text


def printable_source(source: str) -> str:
    """A source whose file name is not UTF-8 (``bad\\udcffname.txt`` from os.fsdecode), as valid
    text with the stray bytes written ``\\xff``: DuckDB and the raw id need UTF-8, and the same
    name always gives the same text, so a re-run finds the row."""
    try:
        return source.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        return source.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(slots=True)
class Extracted:
    """What an extractor (HTML or text dump) finds in one document."""

    text: str
    title: str | None = None
    author: str | None = None
    published: date | None = None
    site_name: str | None = None
    url: str | None = None  # canonical URL found in the page
    language: str | None = None
    notes: list[str] = field(default_factory=list)  # what was removed, for debugging


@dataclass(slots=True)
class Article:
    """A cleaned article, ready for checks and dedup."""

    article_id: str
    raw_id: str
    source: str
    url: str | None
    title: str | None
    author: str | None
    published_date: date | None
    language: str | None
    text: str
    word_count: int
    site_name: str | None = None
    extractor: str = ""
    warnings: list[str] = field(default_factory=list)
    # what the clean checks read of the text and URL (quality.detectors.article_signals), found where
    # the article was cleaned, in a worker beside this process; None: the checks find it themselves
    signals: tuple | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True)
class Rejection:
    """A document set aside at a stage, with the reason people will read."""

    raw_id: str
    source: str
    stage: str  # "ingest" | "raw" | "clean" | "validate" | "dedup"
    reason: str  # short machine-friendly reason or check name
    detail: str = ""  # human explanation / observed value
