"""WARC archives written with warcio: pages kept, other records counted, truncation reported."""
from __future__ import annotations

import gzip
import io
from collections import Counter
from datetime import datetime, timezone

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from flows.settings import Settings
from flows.sources import iter_local_documents


def page(n: int) -> bytes:
    return b"<html><body><p>" + f"Story {n} ".encode() * 100 + b"</p></body></html>"


def write_warc(path, gz: bool) -> list[str]:
    """An archive with every kind of record; returns the IDs of the HTML 200 responses."""
    ids = []
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))

        def response(uri, status, content_type, body, extra=(), date="2023-10-20T10:00:00Z"):
            headers = StatusAndHeaders(status, [("Content-Type", content_type), *extra], protocol="HTTP/1.1")
            record = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers,
                                               warc_headers_dict={"WARC-Date": date})
            writer.write_record(record)
            return record.rec_headers.get_header("WARC-Record-ID")

        request = writer.create_warc_record("https://news.example/1", "request", payload=io.BytesIO(b""),
                                            http_headers=StatusAndHeaders("GET /1 HTTP/1.1", [], is_http_request=True))
        writer.write_record(request)
        ids.append(response("https://news.example/1", "200 OK", "text/html; charset=utf-8", page(1)))
        chunked = gzip.compress(page(2))
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(chunked), chunked)
        ids.append(response("https://news.example/2", "200 OK", "application/xhtml+xml", chunked,
                            [("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")]))
        response("https://news.example/logo.png", "200 OK", "image/png", b"\x89PNG" + b"\0" * 50)
        response("https://news.example/gone", "404 Not Found", "text/html", b"<html>missing</html>")
        response("https://news.example/old", "301 Moved Permanently", "text/html", b"", [("Location", "/new")])
        writer.write_record(writer.create_warc_record("https://news.example/1", "metadata",
                                                      payload=io.BytesIO(b"fetchTimeMs: 12\r\n"),
                                                      warc_content_type="application/warc-fields"))
        ids.append(response("https://news.example/3", "200 OK", "text/html", page(3)))
    return ids


@pytest.mark.parametrize("gz", [True, False])
def test_html_responses_become_documents(tmp_path, gz):
    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    ids = write_warc(path, gz)
    stats = Counter()
    docs = list(iter_local_documents([path], Settings(), stats))
    assert [d.source for d in docs] == [f"{path}#{i}" for i in ids]
    assert ids[0].startswith("<urn:uuid:") and ids[0].endswith(">")
    first, second, third = docs
    assert (first.kind, first.url, first.content, first.error) == ("html", "https://news.example/1", page(1), None)
    assert first.content_type == "text/html; charset=utf-8"
    assert first.fetched_at == datetime(2023, 10, 20, 10, 0, tzinfo=timezone.utc)
    assert second.content == page(2)  # de-chunked and gunzipped
    assert third.url == "https://news.example/3"
    assert stats["warc_html_responses"] == 3
    assert stats["warc_skipped_warcinfo"] == 1 and stats["warc_skipped_request"] == 1
    assert stats["warc_skipped_metadata"] == 1 and stats["warc_skipped_not_html"] == 1
    assert stats["warc_skipped_status"] == 2
    assert stats["warc_records"] == 9


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("keep", [0.5, 0.75, 0.9])
def test_truncated_archive_keeps_records_read_so_far(tmp_path, gz, keep):
    whole = tmp_path / ("whole.warc.gz" if gz else "whole.warc")
    ids = write_warc(whole, gz)
    data = whole.read_bytes()
    cut = int(len(data) * keep)
    path = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    path.write_bytes(data[:cut])
    docs = list(iter_local_documents([path], Settings()))
    good, broken = docs[:-1], docs[-1]
    assert all(d.error is None for d in good)
    assert [d.source for d in good] == [f"{path}#{i}" for i in ids[: len(good)]]
    assert broken.error.startswith("truncated WARC after ") and broken.content == b""
    offset = int(broken.source.rsplit("#offset-", 1)[1])
    assert broken.source == f"{path}#offset-{offset}" and 0 < offset < cut


def test_oversized_record_is_an_error_document(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    ids = write_warc(path, True)
    docs = list(iter_local_documents([path], Settings(max_document_bytes=500)))
    assert [d.source for d in docs] == [f"{path}#{i}" for i in ids]
    assert docs[0].error == f"too large: {len(page(1))} bytes (limit 500); raise NEWSFLOW_MAX_DOCUMENT_BYTES"


def test_not_a_warc(tmp_path):
    path = tmp_path / "junk.warc"
    path.write_bytes(b"this is not an archive\n" * 10)
    [doc] = list(iter_local_documents([path], Settings()))
    assert doc.source == f"{path}#offset-0" and doc.error.startswith("truncated WARC after 0 records")


def test_record_warcio_cannot_decode_is_quarantined_alone(tmp_path):
    """warcio's brotli decoder fails on the installed brotli (no ``unused_data``): a
    ``Content-Encoding: br`` record used to end the archive, losing every record after it."""
    path = tmp_path / "crawl.warc"
    ids = []
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=False)
        for n, extra in ((1, [("Content-Encoding", "br")]), (2, [])):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), *extra], protocol="HTTP/1.1")
            record = writer.create_warc_record(f"https://news.example/{n}", "response",
                                               payload=io.BytesIO(page(n)), http_headers=headers)
            writer.write_record(record)
            ids.append(record.rec_headers.get_header("WARC-Record-ID"))
    stats = Counter()
    docs = list(iter_local_documents([path], Settings(), stats))
    assert [d.source for d in docs] == [f"{path}#{i}" for i in ids]
    assert docs[0].error.startswith("undecodable Content-Encoding 'br': ") and docs[0].url == "https://news.example/1"
    assert docs[1].error is None and docs[1].content == page(2)
    assert stats["warc_records"] == 2


def test_an_archive_gzipped_whole_is_read_like_one_gzipped_record_by_record(tmp_path):
    """``gzip crawl.warc`` makes one gzip stream, which warcio refuses after the first record
    ("non-chunked gzip file"): every page after it was lost in one truncation row."""
    plain = tmp_path / "crawl.warc"
    ids = write_warc(plain, False)
    path = tmp_path / "whole-file.warc.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()))
    stats, plain_stats = Counter(), Counter()
    docs = list(iter_local_documents([path], Settings(), stats))
    assert [d.source for d in docs] == [f"{path}#{i}" for i in ids] and all(d.error is None for d in docs)
    assert [d.content for d in docs] == [d.content for d in iter_local_documents([plain], Settings(), plain_stats)]
    assert {k: v for k, v in stats.items() if k.startswith("warc_")} == \
        {k: v for k, v in plain_stats.items() if k.startswith("warc_")}


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_an_archive_gzipped_whole_and_cut_short_keeps_what_was_read(tmp_path, keep):
    plain = tmp_path / "crawl.warc"
    ids = write_warc(plain, False)
    data = gzip.compress(plain.read_bytes())
    path = tmp_path / "whole-file.warc.gz"
    path.write_bytes(data[:int(len(data) * keep)])
    docs = list(iter_local_documents([path], Settings()))
    good, broken = docs[:-1], docs[-1]
    assert [d.source for d in good] == [f"{path}#{i}" for i in ids[:len(good)]] and all(d.error is None for d in good)
    assert broken.error.startswith("truncated WARC after ")
    assert int(broken.source.rsplit("#offset-", 1)[1]) >= 0, broken.source  # warcio's arithmetic gave -1153
