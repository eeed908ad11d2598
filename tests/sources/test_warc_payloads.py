"""WARC records whose payload is not whole, and records repeating an ID (fuzzing campaign, session 11).

A gzip payload cut short, or chunks without the last one, read as a shorter page and were stored
as articles; two pages under one WARC-Record-ID shared one source (the same page written twice
vanished as "already stored")."""
from __future__ import annotations

import gzip
import io
import random
from collections import Counter

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from flows.settings import Settings
from flows.sources import error_reason, iter_local_documents

PAGE = (b"<html><body><article>" + b"<p>The council approved the bridge on Tuesday.</p>" * 200
        + b"</article></body></html>")


def chunked(data: bytes, size: int = 700) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size]) for i in range(0, len(data), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def write(path, records, gz=True) -> list[str]:
    """One response record per (payload, extra headers, record id or None); their IDs."""
    ids = []
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gz)
        for n, (payload, extra, record_id) in enumerate(records):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), *extra], protocol="HTTP/1.1")
            record = writer.create_warc_record(f"https://news.example/{n}", "response", payload=io.BytesIO(payload),
                                               http_headers=headers,
                                               warc_headers_dict={"WARC-Record-ID": record_id} if record_id else None)
            writer.write_record(record)
            ids.append(record.rec_headers.get_header("WARC-Record-ID"))
    return ids


GZ = gzip.compress(PAGE)
_NOISY = gzip.compress(b"<html><body><p>" + random.Random(2).randbytes(60_000).hex().encode() + b"</p></body></html>")
# corrupt past warcio's first block (16 KB): it prints the zlib error and ends the payload there
CORRUPT_LATER = _NOISY[:40_000] + bytes(b ^ 0xFF for b in _NOISY[40_000:40_100]) + _NOISY[40_100:]
GZIP = [("Content-Encoding", "gzip")]
CHUNKED = [("Transfer-Encoding", "chunked")]


@pytest.mark.parametrize("payload, extra, detail", [
    (GZ[:len(GZ) // 2], GZIP, "Content-Encoding gzip without its end-of-stream marker"),
    (GZ[:-8], GZIP, "Content-Encoding gzip without its end-of-stream marker"),  # only the trailer lost
    (GZ[:40] + bytes(b ^ 0xFF for b in GZ[40:80]) + GZ[80:], GZIP, "does not inflate"),  # warcio: "not gzip"
    (CORRUPT_LATER, GZIP, "Content-Encoding gzip without its end-of-stream marker"),
    (chunked(GZ)[:len(chunked(GZ)) // 2], GZIP + CHUNKED, "Transfer-Encoding chunked without its last chunk"),
    (chunked(PAGE)[:-5], CHUNKED, "Transfer-Encoding chunked without its last chunk"),
    (chunked(PAGE)[:len(chunked(PAGE)) // 3], CHUNKED, "Transfer-Encoding chunked without its last chunk"),
], ids=["gzip-half", "gzip-no-trailer", "gzip-corrupt", "gzip-corrupt-later", "chunked-gzip-half",
        "chunked-no-last", "chunked-third"])
def test_a_payload_cut_short_is_quarantined_and_the_archive_goes_on(tmp_path, payload, extra, detail):
    path = tmp_path / "crawl.warc.gz"
    ids = write(path, [(PAGE, [], None), (payload, extra, None), (gzip.compress(PAGE), GZIP, None)])
    docs = list(iter_local_documents([path], Settings()))
    assert [d.source for d in docs] == [f"{path}#{i}" for i in ids]
    first, cut, last = docs
    assert first.error is None and first.content == PAGE
    assert last.error is None and last.content == PAGE
    assert cut.error.startswith("payload cut short") and detail in cut.error, cut.error
    assert error_reason(cut.error) == "bad_content_encoding" and cut.url == "https://news.example/1"


@pytest.mark.parametrize("payload, extra", [
    (PAGE, GZIP),  # labelled gzip, stored plain: warcio reads it as it is
    (PAGE, CHUNKED),  # stored de-chunked under the original header, as many crawlers do
    (chunked(GZ), GZIP + CHUNKED),
    (GZ + gzip.compress(b"<p>more</p>"), GZIP),  # a second gzip member
], ids=["plain-labelled-gzip", "dechunked", "chunked-gzip", "two-members"])
def test_whole_payloads_are_pages(tmp_path, payload, extra):
    path = tmp_path / "crawl.warc"
    write(path, [(payload, extra, None)], gz=False)
    [doc] = iter_local_documents([path], Settings())
    assert doc.error is None and doc.content.startswith(PAGE)


def test_pages_repeating_a_record_id_are_all_kept_under_sources_of_their_own(tmp_path):
    path = tmp_path / "spliced.warc.gz"
    same = "<urn:uuid:11111111-2222-3333-4444-555555555555>"
    other = PAGE.replace(b"bridge", b"tunnel")
    write(path, [(PAGE, [], same), (other, [], same), (PAGE, [], same), (PAGE, [], None)])
    stats = Counter()
    docs = list(iter_local_documents([path], Settings(), stats))
    assert len(docs) == 4 and len({d.source for d in docs}) == 4 and len({d.raw_id for d in docs}) == 4
    assert docs[0].source == f"{path}#{same}"
    assert docs[1].source.startswith(f"{path}#{same}#offset-") and docs[2].source.startswith(f"{path}#{same}#offset-")
    assert [d.content for d in docs[:3]] == [PAGE, other, PAGE] and all(d.error is None for d in docs)
    assert stats["warc_repeated_record_ids"] == 2
    again = list(iter_local_documents([path], Settings()))  # the same sources and ids: a re-run adds nothing
    assert [(d.source, d.raw_id) for d in again] == [(d.source, d.raw_id) for d in docs]


def test_an_archive_gzipped_whole_notices_repeated_ids_too(tmp_path):
    plain = tmp_path / "crawl.warc"
    same = "<urn:uuid:11111111-2222-3333-4444-555555555555>"
    write(plain, [(PAGE, [], same), (PAGE.replace(b"bridge", b"ferry"), [], same)], gz=False)
    whole = tmp_path / "crawl.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    docs = list(iter_local_documents([whole], Settings()))
    assert [d.source.split("#", 1)[1] for d in docs][0] == same
    assert len({d.source for d in docs}) == 2 and "#offset-" in docs[1].source


def test_warcio_prints_nothing_on_the_terminal(tmp_path, capfd):
    """warcio wrote "Error -3 while decompressing data: ..." to stderr itself, a bare line in the
    middle of a run; the record's quarantine row says what was wrong, and the line goes to the log."""
    path = tmp_path / "crawl.warc.gz"
    write(path, [(PAGE, [], None), (CORRUPT_LATER, GZIP, None)])
    docs = list(iter_local_documents([path], Settings()))
    assert docs[1].error.startswith("payload cut short")
    assert capfd.readouterr().err == ""
