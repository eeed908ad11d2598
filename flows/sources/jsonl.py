"""JSON inputs: ``.jsonl``/``.ndjson`` (one object a line) and ``.json`` (one
object, or an array of objects), each optionally ``.gz``.

An object holds the document in ``html`` (kind html) or ``text`` (kind text;
``html`` wins when both are there), and optionally ``url``, ``title``,
``published`` (or ``date``) and ``author``, which become hints.

``source`` is ``<absolute path>#<n>``: n is the 1-based line number for JSON
lines and the 1-based item number for a JSON array; a ``.json`` file holding a
single object is just ``<absolute path>``. JSON lines are streamed, so a large
file is never held in memory whole; a ``.json`` file is parsed whole (it is
one value), within ``max_json_bytes`` (inflated size, counted while reading). A ``.json`` file that turns out to be
JSON lines (``Extra data`` after the first value) is read as JSON lines.

Bad input never raises: a malformed line, a non-object, an object without
text or html, an oversized line or a truncated gzip each give one RawDocument
with ``error`` set, and reading goes on with the next line; any exception on a
line (a RecursionError for nesting 100,000 deep included) is that line's error.
A value nested deeper than ``jsondepth.MAX_DEPTH`` is refused wherever it is
read from (the parser's own limit depends on the caller's stack).
"""
from __future__ import annotations

import gzip
import json
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from flows.records import RawDocument, valid_unicode
from flows.settings import Settings
from flows.sources import jsondepth
from flows.sources.common import CHUNK, exc_text, open_input, raw_prefix, read_at_most, too_large

HINT_FIELDS = {"title": "title", "published": "published", "date": "published", "author": "author"}


def _open(path: Path, gz: bool):
    return open_input(path, gz)  # a FIFO or a device is never opened


def document_from_object(obj, source: str, raw: bytes) -> RawDocument:
    """Turn one parsed JSON value into a RawDocument (an error one if unusable)."""
    if not isinstance(obj, dict):
        return RawDocument(source, "text", raw, error=f"not a JSON object (got {type(obj).__name__})")
    hints = {}
    for name, hint in HINT_FIELDS.items():
        value = obj.get(name)
        if value not in (None, "") and hint not in hints:
            value = _hint_value(hint, value)
            if value is not None:
                hints[hint] = value
    url = valid_unicode(obj["url"]) if isinstance(obj.get("url"), str) and obj["url"] else None
    for field, kind, mime in (("html", "html", "text/html"), ("text", "text", "text/plain")):
        value = obj.get(field)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            return RawDocument(source, kind, raw, url=url, hints=hints,
                               error=f"field {field!r} is not a string (got {type(value).__name__})")
        # a lone surrogate made the bytes invalid UTF-8: the whole text was then read by charset detection;
        # a NUL is a JSON escape ("\u0000"), not a sign of a binary file: with it the article was `not_binary`
        return RawDocument(source, kind, valid_unicode(value).replace("\x00", "").encode("utf-8"), url=url,
                           hints=hints, content_type=f"{mime}; charset=utf-8")
    return RawDocument(source, "text", raw, url=url, hints=hints, error="no text or html field")


def _hint_value(hint: str, value):
    """A JSON field as a hint: text, a number, a list of author names (it was their Python repr,
    "['Ann Lee', 'Bob Roe']", stored as the author); a list or object as a title is no title."""
    if isinstance(value, str):
        return valid_unicode(value)
    if isinstance(value, (int, float)):
        return value
    if hint == "author" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [valid_unicode(v) for v in value]
    return None if hint == "title" else str(value)


def _read_line(stream, limit: int) -> tuple[bytes, int]:
    """One line (with its newline) up to ``limit`` bytes; returns (line, total length).

    When the line is longer than the limit the rest is read and dropped, so a
    huge line costs no memory; the caller sees ``total > limit``.
    """
    line = stream.readline(limit + 1)
    total = len(line)
    if total > limit and not line.endswith(b"\n"):
        while True:
            more = stream.readline(CHUNK)
            total += len(more)
            if not more or more.endswith(b"\n"):
                break
    return line, total


def iter_json_lines(path: Path, gz: bool, settings: Settings, stats: Counter | None = None) -> Iterator[RawDocument]:
    """Stream a JSON lines file, one RawDocument per non-blank line."""
    limit = settings.max_document_bytes
    base = str(path)
    number = 0
    try:
        with _open(path, gz) as stream:
            while True:
                line, total = _read_line(stream, limit)
                if not line:
                    return
                number += 1
                source = f"{base}#{number}"
                if total > limit:
                    yield RawDocument(source, "text", b"", error=too_large(total, limit))
                    continue
                raw = line.rstrip(b"\r\n")
                if not raw.strip():
                    blank = 1 + _skip_blank_lines(stream)
                    number += blank - 1
                    if stats is not None:
                        stats["jsonl_blank_lines"] += blank
                    continue
                yield _line_document(raw, source, number)
    except EOFError as exc:
        yield RawDocument(f"{base}#{number + 1}", "text", b"",
                          error=f"truncated gzip after line {number}: {exc_text(exc)}")
    except (gzip.BadGzipFile, zlib.error) as exc:
        yield RawDocument(f"{base}#{number + 1}", "text", raw_prefix(path, limit) if number == 0 else b"",
                          error=f"not a valid gzip file (after line {number}): {exc_text(exc)}")
    except OSError as exc:
        yield RawDocument(base if number == 0 else f"{base}#{number + 1}", "text", b"",
                          error=f"unreadable: {exc_text(exc)}")


def _skip_blank_lines(stream) -> int:
    """Skip the whole blank lines ahead in bulk; returns how many. A small gzip file
    that inflates to gigabytes of newlines took one ``readline`` call per line (an
    hour for 2 GB); now it costs what inflating it costs."""
    skipped = 0
    while True:
        head = stream.peek(CHUNK)[:CHUNK]
        blank = head[:len(head) - len(head.lstrip(b" \t\r\n"))]
        cut = blank.rfind(b"\n") + 1  # whole lines only: a line's leading spaces stay with it
        if not cut:
            return skipped
        stream.read(cut)
        skipped += blank.count(b"\n", 0, cut)
        if cut < len(head):
            return skipped


def _line_document(raw: bytes, source: str, number: int) -> RawDocument:
    """One JSON line as a document; any failure (bad syntax, nesting too deep for the
    parser: RecursionError, a value that cannot be turned into hints) quarantines
    this line only."""
    try:
        return document_from_object(jsondepth.loads(_utf8_or_bytes(raw), raw), source, raw)
    except Exception as exc:  # RecursionError and MemoryError-free surprises alike: one line, not the file
        return RawDocument(source, "text", raw, error=f"malformed JSON on line {number}: {_json_reason(exc)}")


def _utf8_or_bytes(raw: bytes) -> str | bytes:
    """A line that json.loads would read as UTF-8 (it starts ``{`` without a NUL after it: no BOM,
    no UTF-16/32), decoded as it would; other bytes as they are, for it to sniff. Its sniffing is
    Python code, a third of the cost of a line ``{}``."""
    return raw.decode("utf-8", "surrogatepass") if raw[:1] == b"{" and raw[1:2] != b"\x00" else raw


def iter_json_file(path: Path, gz: bool, settings: Settings, stats: Counter | None = None) -> Iterator[RawDocument]:
    """A ``.json`` file: one object (one document) or an array (one per item)."""
    base = str(path)
    limit = settings.max_document_bytes
    cap = settings.max_json_bytes  # a .json file is parsed whole: its inflated size is capped while reading
    try:
        with _open(path, gz) as stream:
            data = read_at_most(stream, cap + 1)
    except EOFError as exc:
        yield RawDocument(base, "text", raw_prefix(path, limit), error=f"truncated gzip: {exc_text(exc)}")
        return
    except (gzip.BadGzipFile, zlib.error) as exc:
        yield RawDocument(base, "text", raw_prefix(path, limit), error=f"not a valid gzip file: {exc_text(exc)}")
        return
    except OSError as exc:
        yield RawDocument(base, "text", b"", error=f"unreadable: {exc_text(exc)}")
        return
    if len(data) > cap:
        if data[:1] != b"[" and data.lstrip()[:1] != b"[":  # maybe JSON lines under a .json name: those stream
            first = data.split(b"\n", 1)[0]
            if len(first) < len(data) and first.strip()[:1] == b"{":
                del data
                yield from iter_json_lines(path, gz, settings, stats)
                return
        yield RawDocument(base, "text", b"", error=too_large(cap, cap, "NEWSFLOW_MAX_JSON_BYTES", at_least=True))
        return
    try:
        value = jsondepth.loads(data, data, items=True)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several values: it is JSON lines under a .json name
            yield from iter_json_lines(path, gz, settings, stats)
            return
        yield RawDocument(base, "text", data if len(data) <= limit else b"", error=f"malformed JSON: {_json_reason(exc)}")
        return
    except Exception as exc:  # undecodable bytes, nesting too deep for the parser (RecursionError)
        yield RawDocument(base, "text", data if len(data) <= limit else b"", error=f"malformed JSON: {_json_reason(exc)}")
        return
    if isinstance(value, list):
        for index, item in enumerate(value, start=1):
            source = f"{base}#{index}"
            try:
                jsondepth.check(item)
                raw = json.dumps(item, ensure_ascii=False).encode("utf-8", "surrogatepass")
            except Exception as exc:  # an item nested too deep to write back
                yield RawDocument(source, "text", b"", error=f"malformed JSON in item {index}: {_json_reason(exc)}")
                continue
            if len(raw) > limit:
                yield RawDocument(source, "text", b"", error=too_large(len(raw), limit))
                continue
            yield _object_document(item, source, raw, f"in item {index}")
        return
    if len(data) > limit:
        yield RawDocument(base, "text", b"", error=too_large(len(data), limit))
        return
    yield _object_document(value, base, data, "")


def _object_document(value, source: str, raw: bytes, where: str) -> RawDocument:
    """``document_from_object``, any failure (a hint that cannot be turned into text) being this
    document's error, as it is for a JSON line: one item, not the run."""
    try:
        return document_from_object(value, source, raw)
    except Exception as exc:
        return RawDocument(source, "text", raw, error=f"malformed JSON{' ' + where if where else ''}: "
                                                      f"{_json_reason(exc)}")


def _json_reason(exc: Exception) -> str:
    if isinstance(exc, jsondepth.TooDeep):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "nested too deep to parse"
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (column {exc.colno})" if exc.lineno == 1 else f"{exc.msg} (line {exc.lineno} column {exc.colno})"
    return exc_text(exc)
