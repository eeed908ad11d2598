"""What the source said about a document (JSON fields, feed entries) fills
what its page does not show: one place for the rules, used by every extractor."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from ..records import Extracted
from .metadata import normalise_author, parse_date


def fill_from_hints(found: Extracted, hints: dict | None, *, tidy: bool = False) -> Extracted:
    """``found`` with its missing title, author and date taken from ``hints``.
    ``tidy`` (text dumps) also reads author lists and names written in capitals,
    dates written in words, and folds a hinted title's spaces; otherwise the
    hints are taken as given (dates must parse)."""
    hints = hints or {}
    if tidy:
        title = hints.get("title") if isinstance(hints.get("title"), str) else None
        return replace(
            found,
            title=found.title or (" ".join(title.split()) if title else None),
            author=found.author or _hint_author(hints.get("author"), tidy=True),
            published=found.published or _hint_date(hints.get("published")),
        )
    return replace(
        found,
        title=found.title or _hint_text(hints.get("title")),
        author=found.author or _hint_author(hints.get("author"), tidy=False),
        published=found.published or parse_date(hints.get("published")),  # hints are strings (JSON, feeds)
    )


def _hint_text(value) -> str | None:
    """A title the source gave as text (a JSON number, list or true is no title: it
    failed the article's cleaning as a ``cleaner_error``)."""
    return value if isinstance(value, str) and value else None


def _hint_author(value, tidy: bool) -> str | None:
    """An author the source gave: a name, or a list of names joined with "; " in the order written
    (``tidy``: each name normalised, as text dumps read them; else as given). A blank is none."""
    names = [v for v in (value if isinstance(value, (list, tuple)) else [value]) if isinstance(v, str)]
    if tidy:
        names = [normalise_author(v) for v in names]
    return "; ".join(n for n in names if n and n.strip()) or None


def _hint_date(value) -> date | None:
    """A date the source gave: a date, or a string in the forms feeds use
    (ISO 8601, RFC 2822, written dates)."""
    from .text.dates import find_date

    if value is None or value == "":
        return None
    if isinstance(value, (date, datetime)):
        return parse_date(value)
    return parse_date(str(value)) or find_date(str(value))
