"""UTF-16 and UTF-32 text saved without a byte-order mark is text, not binary (fuzzing campaign,
session 11: such a .txt or .html was quarantined as not_binary); binary files stay binary."""
from __future__ import annotations

import codecs
import gzip
import io
import random
import zipfile

import pytest

from flows.clean.encoding import DecodeError, decode_bytes, wide_text_codec
from flows.quality.detectors import binary_reason, decode_problem

GERMAN = "Die Bürger von Zürich stimmten über die Straßenbahn ab; die Gemeinde äußerte sich erfreut.\n" * 20
RUSSIAN = "Министр иностранных дел России прибыл в Пхеньян для переговоров о сотрудничестве.\n" * 20
WIDE = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


@pytest.mark.parametrize("codec", WIDE)
@pytest.mark.parametrize("text", [GERMAN, RUSSIAN], ids=["german", "russian"])
def test_wide_text_without_a_bom_is_read_as_text(codec, text):
    content = text.encode(codec)
    assert wide_text_codec(content) == codec
    assert binary_reason(content) is None and decode_problem(content) is None
    assert decode_bytes(content) == (text, codec)


def test_wide_html_without_a_bom_is_read_as_text():
    page = f"<html><head><title>Zürich</title></head><body><p>{GERMAN}</p></body></html>"
    assert decode_bytes(page.encode("utf-16-le"), "text/html", kind="html") == (page, "utf-16-le")


@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF32_LE, "utf-32-le"),
                                        (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_wide_text_with_a_bom_is_text_too(bom, codec):
    content = bom + GERMAN.encode(codec)
    assert binary_reason(content) is None  # UTF-32-BE's BOM starts with two NULs: it was "binary"
    assert decode_bytes(content) == (GERMAN, codec)


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", GERMAN)
    return out.getvalue()


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    _zip(),
    gzip.compress(GERMAN.encode()),
    random.Random(3).randbytes(5000),
    bytes(range(256)) * 40,
    b"plain words\x00 and a NUL \x00here and there\x00" * 50,  # NULs on both byte positions
], ids=["png", "zip", "gzip", "random", "all-bytes", "sprinkled-nuls"])
def test_binary_files_stay_binary(content):
    assert wide_text_codec(content) is None
    assert binary_reason(content) is not None
    with pytest.raises(DecodeError):
        decode_bytes(content)


def test_random_bytes_are_never_taken_for_wide_text():
    rng = random.Random(11)
    assert not any(wide_text_codec(rng.randbytes(rng.randrange(8, 4000))) for _ in range(300))
