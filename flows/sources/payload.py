"""The HTTP payload of a WARC record, read with warcio's own readers, and whether it was whole.

warcio undoes ``Transfer-Encoding: chunked`` and ``Content-Encoding`` (gzip,
deflate, brotli) itself, but a payload cut short ends quietly there: a gzip
stream without its end marker, a corrupt one (warcio prints the zlib error and
returns nothing more) or chunks that stop before the last one all read as a
shorter page, which was stored as an article. ``open_payload`` builds the
reader ``ArcWarcRecord.content_stream`` would build, and ``cut_short`` says
afterwards whether it stopped before its encodings' end. warcio's fall-backs
for what is not what the headers say (a body stored de-chunked under
``Transfer-Encoding: chunked``, a "gzip" body that is plain) are kept: those
are whole, only mislabelled.
"""
from __future__ import annotations

from warcio.bufferedreaders import BufferedReader, ChunkedDataReader


class _Chunks(ChunkedDataReader):
    """warcio's de-chunking reader, which also notes the chunks it read and the last one."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.chunks = 0
        self.ended = False

    def _try_decode(self, length_header):
        super()._try_decode(length_header)  # raises for a line that is no chunk header
        self.chunks += 1
        if int(length_header[:-2].split(b";")[0], 16) == 0:  # the zero-length last chunk
            self.ended = True


def open_payload(record):
    """The record's payload as ``record.content_stream()`` gives it (HTTP headers only)."""
    headers = record.http_headers
    if not headers:
        return record.raw_stream
    encoding = (headers.get_header("Content-Encoding") or "").strip().lower() or None
    if encoding not in BufferedReader.get_supported_decompressors():
        encoding = None
    if (headers.get_header("Transfer-Encoding") or "").strip().lower() == "chunked":
        return _Chunks(record.raw_stream, decomp_type=encoding)
    if encoding:
        return BufferedReader(record.raw_stream, decomp_type=encoding)
    return record.raw_stream


def cut_short(stream, content: bytes) -> str | None:
    """Why a payload read to its end (``content``) is not whole, or None. The text starts
    ``payload cut short`` (quarantine reason ``bad_content_encoding``)."""
    size = len(content)
    if isinstance(stream, _Chunks) and stream.chunks and not stream.ended:  # chunks, then the end or junk
        return (f"payload cut short: Transfer-Encoding chunked without its last chunk ({stream.chunks} chunks, "
                f"{size} bytes read)")
    decompressor = getattr(stream, "decompressor", None)
    if decompressor is None:  # warcio found it was not compressed, after its first block failed:
        if getattr(stream, "decomp_type", None) == "gzip" and content[:2] == b"\x1f\x8b":  # but it was
            return "payload cut short or corrupt: Content-Encoding gzip that does not inflate"
        return None
    finished = getattr(decompressor, "eof", None)  # zlib: gzip and deflate
    if finished is None and hasattr(decompressor, "is_finished"):  # brotli
        finished = decompressor.is_finished()
    if finished is False:
        return (f"payload cut short or corrupt: Content-Encoding {stream.decomp_type} without its end-of-stream "
                f"marker ({size} bytes decoded)")
    return None
