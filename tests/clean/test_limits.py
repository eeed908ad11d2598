"""Limits of the clean stage: documents over the size limit or the time limit are rejected, the batch goes on."""
from __future__ import annotations

from flows.clean import Cleaner, clean_document
from flows.records import Article, RawDocument, Rejection
from flows.settings import Settings

ARTICLE = "<html><body><article>" + "".join(
    f"<p>Paragraph {i} of a perfectly ordinary news article about the city council and its budget plans.</p>"
    for i in range(12)) + "</article></body></html>"


def test_over_size_limit_is_rejected_with_the_limit_named():
    doc = RawDocument(source="/data/big.html", kind="html", content=ARTICLE.encode() * 50)
    out = clean_document(doc, Settings(max_document_bytes=10_000))
    assert isinstance(out, Rejection)
    assert out.reason == "too_large" and "limit 10,000" in out.detail and "NEWSFLOW_MAX_DOCUMENT_BYTES" in out.detail


def test_over_time_limit_is_rejected_and_the_batch_goes_on():
    # A deeply nested page: rejected, by the time limit or (html.py's depth guard) as having no text.
    # The limit is generous so the ordinary pages never reach it on a busy machine.
    slow = "<html><body>" + "<div><span>x</span>" * 60_000 + "</div>" * 60_000 + "</body></html>"
    docs = [
        RawDocument(source="/data/ok1.html", kind="html", content=ARTICLE.encode()),
        RawDocument(source="/data/slow.html", kind="html", content=slow.encode()),
        RawDocument(source="/data/ok2.html", kind="html", content=ARTICLE.replace("city", "town").encode()),
    ]
    cleaner = Cleaner(Settings(workers=1, extract_timeout_s=5.0, max_document_bytes=50_000_000))
    try:
        out = cleaner.clean(docs)
    finally:
        cleaner.close()
    assert isinstance(out[0], Article) and isinstance(out[2], Article)
    assert isinstance(out[1], Rejection)
    assert out[1].reason in {"timeout", "no_article_text"}
    if out[1].reason == "timeout":
        assert "5 s" in out[1].detail
