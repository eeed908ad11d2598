"""Bytes to text: BOMs, declared charsets, detection, mojibake repair, binary refused."""
from __future__ import annotations

import codecs

import pytest

from flows.clean.encoding import DecodeError, decode_bytes
from flows.quality.detectors import binary_reason

GERMAN = "Die Bürger von Zürich stimmten über die Straßenbahn ab; die Gemeinde äußerte sich erfreut."
RUSSIAN = "Министр иностранных дел России прибыл в Пхеньян для переговоров о сотрудничестве."


def test_utf8_plain():
    assert decode_bytes(GERMAN.encode("utf-8")) == (GERMAN, "utf-8")


@pytest.mark.parametrize("bom, enc", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                                      (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_byte_order_marks(bom, enc):
    text, used = decode_bytes(bom + GERMAN.encode(enc))
    assert text == GERMAN and used == enc


def test_latin1_without_declaration():
    text, used = decode_bytes(GERMAN.encode("latin-1"))
    assert text == GERMAN and used in {"cp1252", "latin-1", "iso8859-1"}


def test_declared_charset_in_html_meta():
    page = f'<html><head><meta charset="windows-1251"></head><body><p>{RUSSIAN}</p></body></html>'
    text, used = decode_bytes(page.encode("cp1251"), kind="html")
    assert RUSSIAN in text and used == "cp1251"


def test_declared_charset_in_content_type_header():
    text, used = decode_bytes(RUSSIAN.encode("koi8-r"), content_type="text/html; charset=KOI8-R", kind="html")
    assert text == RUSSIAN and used == "koi8-r"


def test_cyrillic_detected_without_declaration():
    text, _ = decode_bytes((RUSSIAN + " " + RUSSIAN).encode("cp1251"))
    assert text.startswith("Министр")


def test_mojibake_is_repaired():
    broken = "The minister’s “comments” in Zürich".encode("utf-8").decode("cp1252", errors="ignore")
    text, _ = decode_bytes(broken.encode("utf-8"))
    assert "minister’s" in text and "Zürich" in text


def test_nfc_and_newlines():
    text, _ = decode_bytes("Cafe\u0301\r\nline two\rthree".encode("utf-8"))
    assert text == "Caf\u00e9\nline two\nthree"


def test_binary_is_refused():
    with pytest.raises(DecodeError, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert binary_reason(bytes(range(256)) * 10)
    assert not binary_reason(GERMAN.encode("utf-8"))
