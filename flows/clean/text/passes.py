"""Passes over all classified lines: link lists, captions, bylines, the title,
and a short unpunctuated tail."""
from __future__ import annotations

from .lines import _Line, _is_headline, _is_strong
from .words import _INLINE_DATELINE, _STORY_CREDIT, _ends_sentence

def _mark_lists(lines: list[_Line]) -> None:
    """After a Related/Trending-style heading, drop the teaser lines that
    follow, until the body resumes (two prose lines in a row). When the list
    comes before any prose (navigation above the article), the headline-like
    line right before the prose is the article's title, not a teaser."""
    i, n = 0, len(lines)
    seen_prose = False
    while i < n:
        if lines[i].kind != "heading":
            seen_prose = seen_prose or lines[i].kind == "body" and _is_strong(lines[i].text, lines[i].n)
            i += 1
            continue
        j = i + 1
        while j < n:
            cur = lines[j]
            if cur.kind == "body" and _is_strong(cur.text, cur.n):
                k = j + 1
                while k < n and lines[k].kind not in ("body", "heading"):
                    k += 1
                if k < n and lines[k].kind == "body" and _is_strong(lines[k].text, lines[k].n):
                    break
            if cur.kind == "body":
                cur.kind = "list"
            j += 1
        if j < n and not seen_prose:
            above = lines[j - 1]
            if above.kind == "list" and _is_headline(above.text, above.n):
                above.kind = "body"
        i = j


def _mark_captions(lines: list[_Line]) -> None:
    """A photo credit line takes the caption above it along, and a short
    unpunctuated caption headline above that (unless it is the first kept
    line: then it is the title)."""
    first_body = next((k for k, x in enumerate(lines) if x.kind == "body"), None)
    for i, cur in enumerate(lines):
        if cur.kind != "credit" or i == 0 or lines[i - 1].kind != "body" or _STORY_CREDIT.match(cur.text):
            continue
        lines[i - 1].kind = "caption"
        if i >= 2 and i - 2 != first_body:
            above = lines[i - 2]
            if above.kind == "body" and not _ends_sentence(above.text) and _is_headline(above.text, above.n):
                above.kind = "caption"


def _mark_bylines(lines: list[_Line]) -> None:
    """The short line after a byline (an agency, a paper, a role) goes too."""
    for i, cur in enumerate(lines[:-1]):
        nxt = lines[i + 1]
        if cur.kind == "byline" and nxt.kind == "body" and nxt.n <= 5 and not _ends_sentence(nxt.text):
            nxt.kind = "byline"


# A title the header repeats is looked for among this many lines before the body (real dumps have one
# or two; a dump of 20,000 headline-like lines before its first sentence compared each with every
# other: 64 s for 0.5 MB).
MAX_TITLE_CANDIDATES = 50


def _pick_title(lines: list[_Line], hint: str | None) -> str | None:
    """The title is a headline-like line before the body starts: the one the
    header repeats, the one the source named, or else the first. Other
    unpunctuated lines before the body (decks, caption headlines) go."""
    start = None
    for k, x in enumerate(lines):
        if x.kind == "dateline" or x.kind == "body" and (_is_strong(x.text, x.n) or _cut_prose(x)
                                                         or _INLINE_DATELINE.match(x.text)):
            start = k
            break
    if start is None:
        return None
    pre = [k for k in range(start) if lines[k].kind == "body"]
    if not pre:
        return None
    hint_key = " ".join(hint.split()).lower() if hint else None
    headers = [k for k in range(start) if lines[k].kind in ("breadcrumb", "body")]
    chosen = None
    for k in pre:
        x = lines[k]
        if hint_key and " ".join(x.text.split()).lower() == hint_key:
            chosen = k
            break
    if chosen is None:
        for k in pre[:MAX_TITLE_CANDIDATES]:  # each is compared with every header line
            x = lines[k]
            if _is_headline(x.text, x.n) and len(x.text) >= 15 and any(
                    h != k and x.text in lines[h].text and len(lines[h].text) > len(x.text) for h in headers):
                chosen = k
                break
    if chosen is None:
        chosen = next((k for k in pre if _is_headline(lines[k].text, lines[k].n)), None)
    title = None
    for k in pre:
        x = lines[k]
        if k == chosen:
            title = x.text
            x.kind = "title"
        elif not _ends_sentence(x.text) and not _cut_prose(x):
            x.kind = "pre-body"
    return title


_MAX_TAIL = 3
_PROSE_WORDS = 40  # an unpunctuated line this long is prose cut short, never a deck, teaser or button


def _cut_prose(line: _Line) -> bool:
    """A paragraph whose full stop is missing (a dump cut mid-sentence, a sloppy page): it stays."""
    return line.n >= _PROSE_WORDS


def _trim_tail(body: list[_Line]) -> list[_Line]:
    """Drop a few unpunctuated lines left after the last sentence (teasers
    under a heading we do not know, a tag list, a button). A longer such run
    is content (a list of tour dates, of teams) and stays."""
    k = len(body)
    while k > 1 and body[k - 1].kind == "body" and not _ends_sentence(body[k - 1].text) \
            and not _cut_prose(body[k - 1]):
        k -= 1
    if k == len(body) or len(body) - k > _MAX_TAIL or body[k - 1].kind != "body":
        return body
    for x in body[k:]:
        x.kind = "tail"
    return body[:k]
