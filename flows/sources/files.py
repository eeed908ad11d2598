"""Single-document files: ``.txt`` (a text dump) and ``.html``/``.htm``, each optionally ``.gz``.

One file is one RawDocument whose ``source`` is the file's absolute path.
Bytes are kept as read (after gunzip): charset decoding belongs to the clean
stage, and empty or binary files are passed on for the checks to reject.
A file that cannot be read whole still yields its document, with ``error``
set: a truncated or corrupt gzip keeps the compressed bytes as evidence
(when they fit under the document limit), an oversized file keeps nothing but
the hash of its bytes (a gzip file stops inflating just past the limit).
Only regular files are opened (flows.sources.common.open_regular): a FIFO
or a device never blocks or streams forever. A file that changes while it is
read (another process still writing it) is an error document: the next run
reads it whole, as a new document (same source, new content).
"""
from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

from flows.records import RawDocument, make_raw_id
from flows.settings import Settings
from flows.sources.common import exc_text, open_input, raw_prefix, read_capped, too_large


CHANGED = "changed-while-read\x00"  # keys a part read apart from the file's whole content


def read_document_file(path: Path, kind: str, gz: bool, settings: Settings) -> RawDocument:
    """Read one text or HTML file into a RawDocument; never raises for bad input."""
    source = str(path)
    limit = settings.max_document_bytes
    try:
        before = _version(path)
        with open_input(path, gz) as stream:
            content, total, digest = read_capped(stream, limit, inflating=gz)
        after = _version(path)
    except EOFError as exc:
        return RawDocument(source, kind, raw_prefix(path, limit), error=f"truncated gzip: {exc_text(exc)}")
    except (gzip.BadGzipFile, zlib.error) as exc:
        return RawDocument(source, kind, raw_prefix(path, limit), error=f"not a valid gzip file: {exc_text(exc)}")
    except OSError as exc:
        return RawDocument(source, kind, b"", error=f"unreadable: {exc_text(exc)}")
    if content is None:
        return RawDocument(source, kind, b"", content_hash=digest, error=too_large(total, limit, at_least=gz))
    if after != before:  # being written: what was read may be any part of it
        # Its own raw id: what was read can be the file's final content (the writer stopped just
        # after the read), and under the id a whole read gets, the next run found it "stored
        # already" and the article stayed in quarantine for good.
        return RawDocument(source, kind, content, content_hash=digest, raw_id=make_raw_id(CHANGED + source, digest),
                           error=(f"changed while read: {before[0]:,} bytes when opened, {after[0]:,} when read; "
                                  "run again once it is written"))
    return RawDocument(source, kind, content, content_hash=digest)


def _version(path: Path) -> tuple[int, int, int]:
    """Size, modification time and inode: any of them changing while the file is read means another
    process wrote it (or replaced it) meanwhile."""
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns, info.st_ino
