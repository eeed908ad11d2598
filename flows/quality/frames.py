"""Per-stage DataFrames: one row per record, one column per thing checked.

The detectors run here in one pass over the batch; Great Expectations then
validates the columns. Problem columns hold ``None`` (fine) or a short text
(what was seen), so a failing row's observed value is read straight from the
row GX names in ``unexpected_index_list``.
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from flows.quality import detectors as d
from flows.quality.runlevel import read_frame_query
from flows.records import Article, RawDocument

UNDETERMINED = "und"  # language code for "not detected"


def raw_frame(docs: Iterable[RawDocument]) -> pd.DataFrame:
    """Columns for the raw suite; costly sniffs are skipped for documents
    already failing (unreadable, empty)."""
    rows = []
    for doc in docs:
        content = doc.content or b""
        blank = not content[:4096].strip() and not content.strip()  # no 30 MB copy for big documents
        sniff = not doc.error and not blank
        binary = d.binary_reason(content) if sniff else None
        rows.append(
            {
                "raw_id": doc.raw_id,
                "source": doc.source or None,
                "kind": doc.kind,
                "read_error": doc.error or None,
                "size_bytes": len(content),
                "nonblank_bytes": 0 if blank else len(content),
                "binary": binary,
                "decode_error": d.decode_problem(content, doc.content_type) if sniff and not binary else None,
            }
        )
    return pd.DataFrame(rows, columns=RAW_COLUMNS)


RAW_COLUMNS = ["raw_id", "source", "kind", "read_error", "size_bytes", "nonblank_bytes", "binary", "decode_error"]


def clean_frame(articles: Iterable[Article]) -> pd.DataFrame:
    rows = []
    for a in articles:
        leftover, first_list, list_share, widget, spam, url_problem = (
            a.signals or d.article_signals(a.text or "", a.url))
        rows.append(
            {
                "article_id": a.article_id,
                "raw_id": a.raw_id,
                "word_count": int(a.word_count),
                "language": a.language or UNDETERMINED,
                "title": (a.title or "").strip() or None,
                "published_date": _iso(a.published_date),
                "html_leftover": leftover,
                "link_list": first_list,
                "link_list_share": list_share,
                "widget_line": widget,
                "spam_token": spam,
                "url_problem": url_problem,
            }
        )
    df = pd.DataFrame(rows, columns=CLEAN_COLUMNS)
    # The range check compares real timestamps (GX refuses mixed str/None);
    # what does not parse is NaT here and caught by published_date_parseable.
    df["published_ts"] = pd.to_datetime(df["published_date"], errors="coerce", format="%Y-%m-%d")
    return df


CLEAN_COLUMNS = [
    "article_id", "raw_id", "word_count", "language", "title", "published_date",
    "html_leftover", "link_list", "link_list_share", "widget_line", "spam_token", "url_problem",
]


def _iso(value) -> str | None:
    """Dates as ISO strings: they compare correctly as text, and a value that
    is not a date (a stray string from an extractor) shows up as itself."""
    if value is None:
        return None
    iso = getattr(value, "isoformat", None)
    return iso()[:10] if iso else str(value)


def dedup_frame(con) -> pd.DataFrame:
    """``duplicates`` joined with what the checks need to know about both ends."""
    return con.execute(read_frame_query("dedup")).df()


def stories_frame(con) -> pd.DataFrame:
    """Every article with its number of stories."""
    return con.execute(read_frame_query("stories")).df()
