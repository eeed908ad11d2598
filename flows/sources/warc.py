"""WARC archives (``.warc``, ``.warc.gz``), read as a stream with warcio.

Each ``response`` record with HTTP status 200 and an HTML content type
(text/html, application/xhtml+xml) becomes one RawDocument (kind html), and
so does each ``resource`` or ``conversion`` record (a page a crawler stored
without HTTP headers, or text derived from a record) whose WARC Content-Type
is HTML or plain text (kind html or text; ``content_type`` the WARC header):
``source`` is ``<absolute path>#<WARC-Record-ID as written>`` (plus
``#offset-<n>`` for a page whose ID an earlier page repeated), ``url`` the
WARC-Target-URI, ``fetched_at`` the WARC-Date, ``content`` the HTTP payload
(de-chunked, Content-Encoding decoded by warcio), ``content_type`` the HTTP
header; a payload cut short (gzip without its end, chunks without the last)
is an error document (flows/sources/payload.py). Every other record
(request, warcinfo, metadata, revisit, images, redirects, errors) is skipped
and counted in ``stats`` under ``warc_skipped_<reason>``.

warcio was chosen over fastwarc because it decodes chunked transfer and
Content-Encoding itself (fastwarc hands back the encoded bytes); archives are
read record by record, so a large archive never sits in memory; a record
whose Content-Encoding inflates past ``max_document_bytes`` stops inflating
there (quarantined as too large).

warcio stops silently at some truncations, so completeness is checked here:
a record whose block ends early, bytes left after the last whole record, or
a read error end the archive with one RawDocument whose source is
``<absolute path>#offset-<n>`` (n = byte offset where the unreadable part
starts, in the file as stored) and ``error`` "truncated WARC after N
records: ...". The records before it are kept. An archive gzipped whole
(``gzip crawl.warc``) rather than record by record, which warcio refuses
after its first record, is read through Python's gzip instead; its offsets
are then those of the uncompressed archive.
"""
from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Generator, Iterator
from datetime import datetime, timezone
from pathlib import Path

import warcio.archiveiterator
import warcio.bufferedreaders
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from flows.records import RawDocument
from flows.settings import Settings
from flows.sources.common import CHUNK, exc_text, open_input, open_regular, read_capped, too_large
from flows.sources.payload import cut_short, open_payload

log = logging.getLogger(__name__)


class _StderrToLog:
    """Where warcio writes what it writes to ``sys.stderr`` itself: a payload that stops inflating
    ("Error -3 while decompressing data: invalid block type") and a record whose Content-Length is
    wrong. Both are in the document's quarantine row already (``payload cut short``,
    ``truncated WARC``); on the terminal they were a bare line in the middle of a run, naming no
    file. They go to the log instead, at debug level."""

    def write(self, text: str) -> int:
        if text.strip():
            log.debug("warcio: %s", text.strip())
        return len(text)

    def flush(self) -> None:
        pass


class _SysForWarcio:
    """``sys`` as warcio's modules see it: the same module, but its ``stderr`` is the log."""

    stderr = _StderrToLog()

    def __getattr__(self, name: str):
        return getattr(sys, name)


for _module in (warcio.bufferedreaders, warcio.archiveiterator):
    if getattr(_module, "sys", None) is sys:
        _module.sys = _SysForWarcio()

HTML_TYPES = ("text/html", "application/xhtml+xml")
DOCUMENT_RECORDS = ("resource", "conversion")  # records holding a document without HTTP headers


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _drain(stream) -> None:
    while stream.read(CHUNK):
        pass


def _count(stats: Counter | None, key: str) -> None:
    if stats is not None:
        stats[key] += 1


def _skip_reason(record) -> str | None:
    """Why a record is not an article page, or None to keep it."""
    if record.rec_type in DOCUMENT_RECORDS:
        return None if _block_kind(record) else f"{record.rec_type}_not_text"
    if record.rec_type != "response":
        return record.rec_type or "untyped"
    if record.http_headers is None:
        return "not_http"
    status = record.http_headers.get_statuscode()
    if status != "200":
        return "status"
    if _mime(record.http_headers.get_header("Content-Type")) not in HTML_TYPES:
        return "not_html"
    return None


class _Progress:
    """How far an archive was read: whole records, and where the last one ends."""

    def __init__(self) -> None:
        self.records = 0
        self.good_end = 0  # end of the last whole record: where an unreadable part would start
        self.page_ids: set[str] = set()  # WARC-Record-IDs of the pages so far, to notice one repeated


def iter_warc(path: Path, settings: Settings, stats: Counter | None = None) -> Iterator[RawDocument]:
    """Yield the HTML pages of one WARC archive; never raises for a bad archive."""
    base = str(path)
    limit = settings.max_document_bytes
    done = _Progress()
    try:
        size = path.stat().st_size
        with open_regular(path) as stream:
            truncated = yield from _records(ArchiveIterator(stream), base, limit, stats, done)
            rest = size - done.good_end
            if rest > 0 and not truncated:
                stream.seek(done.good_end)
                tail = stream.read(min(rest, 16))
                if rest > 16 or tail.strip(b"\r\n \t"):
                    yield _truncated(base, done.good_end, done.records, f"{rest} unreadable bytes at the end")
    except ArchiveLoadFailed as exc:
        if "non-chunked gzip" not in str(exc):
            yield _truncated(base, done.good_end, done.records, exc_text(exc))
        else:  # compressed whole (`gzip crawl.warc`), not record by record as warcio reads it: read it
            yield from _whole_file_gzip(path, base, limit, stats, done.records)  # through gzip instead
    except Exception as exc:  # warcio raises a variety of errors on damaged input
        yield _truncated(base, done.good_end, done.records, exc_text(exc))
    finally:
        if stats is not None:
            stats["warc_records"] += done.records


def _whole_file_gzip(path: Path, base: str, limit: int, stats: Counter | None, seen: int) -> Iterator[RawDocument]:
    """An archive gzipped as one stream, read again from its start through Python's gzip (the
    ``seen`` records the first attempt read are not yielded or counted twice). Offsets of an
    unreadable part are then in the uncompressed archive."""
    done = _Progress()
    try:
        with open_input(path, gz=True) as stream:
            yield from _records(ArchiveIterator(_LoudEnd(stream)), base, limit, stats, done, skip=seen)
    except Exception as exc:  # a truncated gzip stream, or damage inside it
        yield _truncated(base, done.good_end, done.records, exc_text(exc))
    finally:
        if stats is not None:
            stats["warc_records"] += done.records - min(seen, done.records)


class _LoudEnd:
    """A gzip stream whose early end is an error: warcio takes an EOFError for the archive's end,
    so a cut archive would end quietly, its last pages missing and no row saying so."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        try:  # read1: what one step inflates (read() would drop it when the next step fails)
            return self.stream.read1(size)
        except EOFError as exc:
            raise OSError(f"truncated gzip: {exc_text(exc)}") from exc


def _records(iterator: ArchiveIterator, base: str, limit: int, stats: Counter | None, done: _Progress,
             skip: int = 0) -> Generator[RawDocument, None, bool]:
    """The pages of the archive ``iterator`` reads; ``done`` follows its progress. Yields a
    truncation document and stops where a record is incomplete; returns whether it did."""
    for record in iterator:
        if record.format != "warc" or not (record.rec_headers.get_header("Content-Length") or "").strip().isdigit():
            # warcio also reads ARC and takes junk or a cut header for a record: neither is a WARC record
            yield _truncated(base, done.good_end, done.records, "not a complete WARC record header")
            return True
        reason = _skip_reason(record)
        doc = None
        if reason is None:
            repeated = _repeated_id(record, done.page_ids)
            if done.records >= skip:
                doc = _page(record, base, limit, done.good_end, repeated)
                if repeated:
                    _count(stats, "warc_repeated_record_ids")
        _drain(record.raw_stream)
        if getattr(record.raw_stream, "limit", 0) > 0:  # the block ended before its Content-Length
            yield _truncated(base, done.good_end, done.records, "the last record ends early")
            return True
        # warcio knows a record's offset only once it has been read to its end
        done.good_end = iterator.get_record_offset() + (iterator.get_record_length() or 0)
        done.records += 1
        if done.records <= skip:  # read and counted by an attempt before this one
            continue
        if reason is None:
            _count(stats, "warc_html_responses" if record.rec_type == "response"
                   else f"warc_{record.rec_type}_documents")
            yield doc
        else:
            _count(stats, f"warc_skipped_{reason}")
    return False


def _block_kind(record) -> str | None:
    """html or text for a resource/conversion record by its WARC Content-Type, else None."""
    mime = _mime(record.rec_headers.get_header("Content-Type"))
    if mime in HTML_TYPES:
        return "html"
    if mime == "text/plain":
        return "text"
    return None


def _repeated_id(record, seen: set[str]) -> bool:
    """Whether an earlier page of the archive carried this record's WARC-Record-ID (noted here)."""
    record_id = record.rec_headers.get_header("WARC-Record-ID")
    if not record_id:
        return False
    if record_id in seen:
        return True
    seen.add(record_id)
    return False


def _page(record, base: str, limit: int, offset: int, repeated: bool = False) -> RawDocument:
    """The record as a document. Its source is the archive and the record's ID, which the WARC
    standard makes unique; a page whose ID an earlier page of the archive carried (a broken writer,
    archives spliced together) adds its offset, ``#<id>#offset-<n>``: both pages are kept, told
    apart, and the same archive read again gives the same sources (nothing added)."""
    record_id = record.rec_headers.get_header("WARC-Record-ID") or f"offset-{offset}"  # the ID is mandatory
    source = f"{base}#{record_id}#offset-{offset}" if repeated else f"{base}#{record_id}"
    headers = record.http_headers if record.rec_type == "response" else record.rec_headers
    kind = "html" if record.rec_type == "response" else _block_kind(record)
    encoding = (record.http_headers.get_header("Content-Encoding") or "").strip().lower() \
        if record.http_headers is not None else ""
    encoded = encoding not in ("", "identity")
    kwargs = dict(
        url=(record.rec_headers.get_header("WARC-Target-URI") or "").strip("<>") or None,
        fetched_at=_warc_date(record.rec_headers.get_header("WARC-Date")),
        content_type=headers.get_header("Content-Type"),
    )
    try:
        payload = open_payload(record)
        content, total, digest = read_capped(payload, limit, inflating=encoded)
    except Exception as exc:  # warcio's decoder for this record failed (its brotli one breaks on brotli 1.2):
        if not encoded:  # this record only; the caller drains its block and the archive goes on
            raise
        return RawDocument(source, kind, b"", error=f"undecodable Content-Encoding {encoding!r}: {exc_text(exc)}",
                           **kwargs)
    kwargs["content_hash"] = digest
    if content is None:
        return RawDocument(source, kind, b"", error=too_large(total, limit, at_least=encoded), **kwargs)
    cut = cut_short(payload, content)
    if cut:  # part of a page is no page: quarantined with what was read, as evidence
        return RawDocument(source, kind, content, error=cut, **kwargs)
    return RawDocument(source, kind, content, **kwargs)


def _truncated(base: str, offset: int, records: int, why: str) -> RawDocument:
    return RawDocument(f"{base}#offset-{offset}", "html", b"", error=f"truncated WARC after {records} records: {why}")
