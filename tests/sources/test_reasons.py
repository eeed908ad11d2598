"""Every error text the sources produce maps to a short reason code."""
from __future__ import annotations

import pytest

from flows.sources import error_reason


@pytest.mark.parametrize(
    "error, reason",
    [
        ("refused: 127.0.0.1 is a loopback address; pass --allow-private to allow it", "fetch_refused"),
        ("HTTP 404 Not Found", "http_error"),
        ("timed out after 20 s", "fetch_timeout"),
        ("too large: 5000 bytes (limit 1000); raise NEWSFLOW_MAX_DOCUMENT_BYTES", "too_large"),
        ("not HTML: content-type image/png", "not_html"),
        ("truncated gzip: Compressed file ended", "truncated_gzip"),
        ("truncated WARC after 3 records: the last record ends early", "truncated_warc"),
        ("undecodable Content-Encoding 'br': 'brotli.Decompressor' object has no attribute 'unused_data'",
         "bad_content_encoding"),
        ("malformed JSON on line 7: Expecting ',' delimiter", "malformed_json"),
        ("no text or html field", "no_text_field"),
        ("no documents in this file (an empty JSON array)", "no_documents"),
        ("something new", "unreadable_source"),
    ],
)
def test_error_reason(error, reason):
    assert error_reason(error) == reason
