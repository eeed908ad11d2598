"""WARC resource and conversion records holding HTML or text are documents; every skipped record is counted."""
from __future__ import annotations

import io
from collections import Counter

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from flows.settings import Settings
from flows.sources import iter_local_documents

HTML = b"<html><head><title>Stored page</title></head><body><p>" + b"Resource story. " * 60 + b"</p></body></html>"
TEXT = b"Converted story.\n\n" + b"Plain text of a page, derived by the crawler. " * 20


def write(path) -> dict[str, str]:
    """Records of every kind a crawler writes; returns kind -> WARC-Record-ID of the ones to keep."""
    keep = {}
    with open(path, "wb") as out:
        w = WARCWriter(out, gzip=True)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "test"}))

        def record(uri, rec_type, body, content_type, name=None):
            r = w.create_warc_record(uri, rec_type, payload=io.BytesIO(body), warc_content_type=content_type)
            w.write_record(r)
            if name:
                keep[name] = r.rec_headers.get_header("WARC-Record-ID")

        record("https://news.example/stored", "resource", HTML, "text/html; charset=utf-8", "resource")
        record("https://news.example/stored", "conversion", TEXT, "text/plain", "conversion")
        record("https://news.example/logo.png", "resource", b"\x89PNG" + b"\0" * 40, "image/png")
        record("https://news.example/data.pdf", "conversion", b"%PDF-1.4", "application/pdf")
        record("https://news.example/1", "metadata", b"fetchTimeMs: 3\r\n", "application/warc-fields")
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        r = w.create_warc_record("https://news.example/page", "response", payload=io.BytesIO(HTML),
                                 http_headers=headers)
        w.write_record(r)
        keep["response"] = r.rec_headers.get_header("WARC-Record-ID")
        missing = StatusAndHeaders("404 Not Found", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record("https://news.example/gone", "response",
                                            payload=io.BytesIO(b"<html>gone</html>"), http_headers=missing))
    return keep


def test_resource_and_conversion_records_are_documents(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    keep = write(path)
    stats = Counter()
    docs = {d.source: d for d in iter_local_documents([path], Settings(), stats)}
    assert set(docs) == {f"{path}#{rid}" for rid in keep.values()}
    resource = docs[f"{path}#{keep['resource']}"]
    assert (resource.kind, resource.url, resource.content) == ("html", "https://news.example/stored", HTML)
    assert resource.content_type == "text/html; charset=utf-8" and resource.error is None
    conversion = docs[f"{path}#{keep['conversion']}"]
    assert (conversion.kind, conversion.content, conversion.content_type) == ("text", TEXT, "text/plain")


def test_every_skipped_record_is_counted_by_kind_and_reason(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write(path)
    stats = Counter()
    docs = list(iter_local_documents([path], Settings(), stats))
    skipped = {k: v for k, v in stats.items() if k.startswith("warc_skipped_")}
    assert skipped == {"warc_skipped_warcinfo": 1, "warc_skipped_resource_not_text": 1,
                       "warc_skipped_conversion_not_text": 1, "warc_skipped_metadata": 1, "warc_skipped_status": 1}
    assert stats["warc_records"] == len(docs) + sum(skipped.values()) == 8
    assert stats["warc_resource_documents"] == 1 and stats["warc_conversion_documents"] == 1
    assert stats["warc_html_responses"] == 1
