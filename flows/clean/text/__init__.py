"""Clean a plain-text dump of a scraped news page.

A scraper that saves a page as text keeps what surrounds the article: a
breadcrumb and site name, widget labels, meta lines, photo captions and
credits, bylines, link lists under "Related"-style headings and, on spam
sites, a token glued into the words. ``clean_text_dump`` looks at each line
and drops these with generic rules: the shape of a line (short, unpunctuated,
a label and a colon, a parenthesised credit, a dateline) and small word lists
in English, German, French and Spanish; never strings of particular sites.

Every kept line of the body becomes one paragraph. A dateline standing on its
own line ("WASHINGTON —") is joined to the paragraph after it, so a body
starts at its dateline when the page shows one. The title is a short
headline-like line before the body (or a line repeated from the header); a
date found in header or meta lines becomes ``published``; a byline becomes
``author`` ("By AAMER MADHANI" gives "Aamer Madhani"; several authors are
joined with "; "). The title's typographic quotes are made plain (’ to ') so
titles compare equal across sites; the body keeps its characters. ``notes``
says what was dropped ("widget: View", "spam token: …"), for debugging.

Speed matters (the benchmark cleans 20,000 dumps): each line goes through
cheap string tests before any regular expression, and the spam-token scan
only looks closer where punctuation touches a letter.
"""
from __future__ import annotations

import unicodedata

from ...records import Extracted, without_controls
from ..hints import fill_from_hints
from .dates import find_date
from .lines import _CURLY, _ZERO_WIDTH, _ZW, _Found, _Line, _classify
from .passes import _mark_bylines, _mark_captions, _mark_lists, _pick_title, _trim_tail
from .spam import _remove_spam_tokens

__all__ = ["clean_text_dump", "find_date"]


def clean_text_dump(text: str, hints: dict | None = None) -> Extracted:
    """The article in a plain-text dump of a scraped page: body paragraphs
    separated by one blank line, and the title, author and date the page shows
    (``hints`` from the source fill what the page does not show)."""
    hints = hints or {}
    notes: list[str] = []
    if any(c in text for c in _ZERO_WIDTH):
        text = _ZW.sub("", text)
    text = without_controls(text)  # ESC, BEL, NUL: no text of the page (HTML parsing drops them too)
    text = unicodedata.normalize("NFC", text)
    text = _remove_spam_tokens(text, notes)
    found = _Found()
    lines: list[_Line] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())  # str.split knows every Unicode space (no-break, thin, ideographic)
        if not line:
            continue
        kind, line = _classify(line, len(lines), found)
        lines.append(_Line(line, kind, len(line.split())))

    _mark_lists(lines)
    _mark_captions(lines)
    _mark_bylines(lines)
    hint_title = hints.get("title") if isinstance(hints.get("title"), str) else None
    title = _pick_title(lines, hint_title)

    body = _trim_tail([x for x in lines if x.kind in ("body", "dateline")])
    paragraphs: list[str] = []
    pending: list[str] = []  # datelines waiting for their paragraph (joined once: a run of them was quadratic)
    for x in body:
        if x.kind == "dateline":
            pending.append(x.text)
            continue
        paragraphs.append(" ".join([*pending, x.text]))
        pending = []

    for x in lines:
        if x.kind not in ("body", "dateline", "title"):
            notes.append(f"{x.kind}: {x.text[:60]}")
    return fill_from_hints(
        Extracted(
            text="\n\n".join(paragraphs),
            title=title.translate(_CURLY) if title else None,
            author=found.author,
            published=found.published,
            notes=notes,
        ),
        hints,
        tidy=True,
    )
