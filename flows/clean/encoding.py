"""Bytes to text: byte-order mark, declared charset, detection, repair.

Order matters: a BOM is certain; UTF-16/32 without one is told by where its
NUL bytes fall; a charset declared by the server or the page is usually
right; strict UTF-8 succeeding is strong evidence; only then guess with
charset-normalizer. The result is NFC-normalised and mojibake (UTF-8 read
as Latin-1/cp1252) is repaired with ftfy when detected.
"""
from __future__ import annotations

import codecs
import re
import unicodedata

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{2,40})", re.I)
# Typical traces of UTF-8 decoded as cp1252/Latin-1: Ã©, â€™, Ã¼ ...
_MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf]|\u00e2\u20ac[\u0098\u0099\u009c\u009d\u201c\u201d\u2122\u0153\u00a6\u00a2\u2018\u2019]")


# (codec, bytes per unit, the unit's bytes that are NUL in text of the first 256 code points,
# those NUL in any text of the first 65,536): what UTF-16/32 written without a BOM looks like
_WIDE = (
    ("utf-32-le", 4, (1,), (2, 3)),
    ("utf-32-be", 4, (2,), (0, 1)),
    ("utf-16-le", 2, (1,), ()),
    ("utf-16-be", 2, (0,), ()),
)
WIDE_SNIFF = 64 * 1024


def wide_text_codec(content: bytes) -> str | None:
    """``utf-16-le``, ``-be`` or ``utf-32-le``, ``-be`` for text saved in one of them without a
    byte-order mark (Windows tools do), else None. Such text is full of NUL bytes, which made it
    "binary"; here the NULs must fall on one byte of every unit (the high byte of ASCII and Latin
    letters, the top two of every UTF-32 character, never the low byte of a UTF-16 one) and the
    head must decode to printable text. Binary files (PNG, ZIP, random bytes) have NULs anywhere."""
    head = content[:WIDE_SNIFF]
    if len(head) < 8 or head.count(0) * 20 < len(head):  # under 5% NUL: no wide text of any script
        return None
    for codec, unit, latin, always in _WIDE:
        size = len(head) - len(head) % unit
        units = size // unit
        if any(head[i:size:unit].count(0) < units * 0.95 for i in always):  # 5%: characters past U+FFFF
            continue
        if unit == 2:  # NULs on the high side (ASCII, Latin-1: 10% at least), hardly any on the low one
            nul_high, nul_low = head[latin[0]:size:2].count(0), head[1 - latin[0]:size:2].count(0)
            if nul_high * 10 < units or nul_low * 20 > units:
                continue
        text = head[:size].decode(codec, errors="replace")
        if _mostly_printable(text):
            return codec
    return None


def _mostly_printable(text: str) -> bool:
    """95% printable characters or whitespace, and hardly a replacement character (bytes that are
    not this encoding) or a NUL (a decoded U+0000)."""
    if not text:
        return False
    printable = sum(1 for c in text if c.isprintable() or c in "\t\n\r\f")
    return printable >= 0.95 * len(text) and text.count("\ufffd") * 100 <= len(text)


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can trust."""


def _lookup(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    """The charset a Content-Type header names, as written (``text/html; charset=utf-8``)."""
    m = _HEADER_CHARSET.search(content_type) if content_type else None
    return m.group(1) if m else None


def declared_charset(content: bytes, content_type: str | None = None, kind: str = "html") -> str | None:
    """The codec the header or the page's <meta> declares, if Python knows it."""
    enc = _lookup(header_charset(content_type))
    if enc:
        return enc
    if kind == "html":
        m = _META_CHARSET.search(content[:4096])
        if m and (enc := _lookup(m.group(1).decode("ascii", "ignore"))):
            return enc
    return None


def decode_bytes(content: bytes, content_type: str | None = None, kind: str = "text") -> tuple[str, str]:
    """Return ``(text, encoding_used)``; raise DecodeError for binary data."""
    for bom, enc in BOMS:
        if content.startswith(bom):
            return _finish(content[len(bom):].decode(enc, errors="replace")), enc
    if b"\x00" in content[:8192]:
        wide = wide_text_codec(content)
        if wide is None:
            raise DecodeError("binary content (NUL bytes): not a text or HTML document")
        return _finish(content.decode(wide, errors="replace")), wide
    declared = declared_charset(content, content_type, kind)
    try:
        return _finish(content.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared and declared != "utf-8":
        try:
            return _finish(content.decode(declared)), declared
        except (UnicodeDecodeError, LookupError):
            pass
    if _looks_western(content):
        return _finish(content.decode("cp1252", errors="replace")), "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(content[:200_000]).best()
    if best is None or best.encoding is None:
        raise DecodeError("undecodable bytes: no text encoding fits (binary file?)")
    enc = best.encoding
    return _finish(content.decode(enc, errors="replace")), enc


def _looks_western(content: bytes) -> bool:
    """A few accented letters among ASCII: Latin-1/cp1252.

    charset-normalizer guesses poorly on short Western texts (it may call a
    Latin-1 "Café" cp1006). In Western European text high bytes stand alone
    inside ASCII words; in Cyrillic or Greek code pages they come in runs
    (whole words), so isolated high bytes that decode to letters decide."""
    sample = content[:100_000]
    runs = [len(m.group()) for m in re.finditer(rb"[\x80-\xff]+", sample)]
    if not runs or sum(1 for r in runs if r == 1) / len(runs) < 0.8:
        return False
    text = sample.decode("cp1252", errors="replace")
    non_ascii = [c for c in text if ord(c) >= 0x80]
    letters = sum(1 for c in non_ascii if c.isalpha() or c in "\u2018\u2019\u201c\u201d\u2013\u2014\u20ac\u00a0\u00ab\u00bb\u2026\u00b0")
    return letters / len(non_ascii) >= 0.9


def _finish(text: str) -> str:
    if _MOJIBAKE.search(text):
        import ftfy

        text = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False)
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
