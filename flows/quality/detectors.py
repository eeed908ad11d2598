"""Cheap per-document detectors that feed the check columns.

Each returns ``None`` when the document is fine, or a short description of
the first problem seen: that string becomes the observed value people read
in the quarantine. Great Expectations then checks the columns (``be null``,
``be between``...) over the whole batch at once.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flows.clean.encoding import BOMS, header_charset, wide_text_codec

SNIFF_BYTES = 64 * 1024  # binary/charset sniffing looks at the head only
MAX_CONTROL_SHARE = 0.05  # share of C0 control bytes (not \t \n \r \f) that marks binary
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_BOMS = tuple(bom for bom, _ in BOMS)  # the byte-order marks decode_bytes reads: UTF-8, -16, -32
_MAGIC = {  # well-known binary formats, named in the observed value
    b"%PDF": "PDF",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"PK\x03\x04": "ZIP archive",
    b"\x1f\x8b": "gzip data",
    b"\x7fELF": "ELF executable",
}


def binary_reason(content: bytes) -> str | None:
    """Why the bytes look binary rather than text, or None.

    NUL bytes or many control bytes in the head; UTF-16/32 is text, with a BOM or without one
    (flows.clean.encoding.wide_text_codec).
    """
    head = content[:SNIFF_BYTES]
    if not head or head.startswith(_BOMS):
        return None
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            return f"binary content ({name})"
    nul = head.count(0)
    if nul:  # binary, unless UTF-16/32 text without a BOM: its NULs fall on one byte of every unit
        return None if wide_text_codec(head) else f"binary content ({nul} NUL bytes in the first {len(head):,} bytes)"
    control = len(head) - len(head.translate(None, _CONTROL))
    share = control / len(head)
    if share > MAX_CONTROL_SHARE:
        return f"binary content ({share:.0%} control bytes)"
    return None


def decode_problem(content: bytes, declared: str | None = None) -> str | None:
    """None when the head decodes as text: UTF-8, the declared charset, or
    one charset-normalizer finds. Only the head is sniffed, to stay cheap."""
    head = content[:SNIFF_BYTES]
    if not head or (b"\x00" in head and wide_text_codec(head)):
        return None
    try:
        head.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(content) > len(head):
            return None  # a multi-byte character cut by the sniff window
    charset = header_charset(declared)
    if charset:
        try:
            head.decode(charset)
            return None
        except (LookupError, UnicodeDecodeError):
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(head[:16 * 1024]).best()
    if best is None:
        return "not decodable as text (no charset fits)"
    return None


# Only real HTML element names: "<The Palace: Tale of Jang Noksu>" is a title.
_TAG_NAMES = (
    "a|abbr|article|aside|audio|b|blockquote|body|br|button|caption|cite|code|div|dd|dl|dt|em|embed|"
    "figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|iframe|img|input|label|li|link|main|"
    "meta|nav|noscript|ol|option|p|path|picture|pre|s|script|section|select|small|source|span|strong|style|"
    "sub|sup|svg|table|tbody|td|textarea|tfoot|th|thead|time|title|tr|u|ul|video"
)
_TAG = re.compile(rf"</?(?:{_TAG_NAMES})(?:\s[^<>]{{0,200}})?/?>", re.I)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,9});")


def html_leftover(text: str) -> str | None:
    """The first HTML tag or character entity left in cleaned text."""
    m = _TAG.search(text) or _ENTITY.search(text)
    return f"HTML left in text: {_short(m.group(0))}" if m else None


# A word glued to a following word by ':' or ',' with no space, where the
# first part is a lower-case token (spam markers are injected that way:
# "coin:Russia", "week,coin the"). Numbers (10:30, 1,000), URLs, e-mail and
# abbreviations (U.S.:) are not matched. Linear: one pass over the
# whitespace-separated tokens, and in each only its first glue character can
# follow a lower-case token (anything after that has a glue character in its
# left part). An earlier scan walked back from every glue character and took
# 30 s on 110 KB of "a:a:a:...".
_LEFT = re.compile(r"[a-z][a-z0-9]{2,}")
_RIGHT = re.compile(r"[A-Za-z][a-z]+\b")
_OPENERS = "\"'“‘([{«"
_GLUE = re.compile(r"[:,](?=\S)")  # a glue character with more token after it
_SPACE = re.compile(r"\s")
_LEFT_HEAD = re.compile(r"[a-z0-9]*")
_GLUE_OK = {"http", "https", "ftp", "mailto", "file", "urn", "www", "tel", "data"}


def spam_token(text: str) -> str | None:
    """The first token glued to a word with a colon or comma, e.g. ``x:Word``
    (a colon anywhere wins over a comma, as people read the observed value)."""
    first_comma = None
    for start, end in _glue_tokens(text):
        found = _glued_in(text, start, end)
        if found is None:
            continue
        glue, token = found
        if glue == ":":
            return f"glued token {_short(token)!r}"
        first_comma = first_comma or token
    return f"glued token {_short(first_comma)!r}" if first_comma else None


def _glue_tokens(text: str):
    """(start, end) of each whitespace-separated token with a glue character followed by more
    token, in order: the only tokens _glued_in can accept. Found from the glue characters (one
    C-level scan) rather than by a Python step per token; each token is walked once."""
    end = -1
    for m in _GLUE.finditer(text):
        at = m.start()
        if at < end:
            continue  # a later glue character of the token just given
        start = at
        while start and not text[start - 1].isspace():
            start -= 1
        space = _SPACE.search(text, at)
        end = space.start() if space else len(text)
        yield start, end


def _glued_in(text: str, start: int, end: int) -> tuple[str, str] | None:
    """(glue, ``left<glue>Right``) for the token text[start:end], or None."""
    token = text[start:end]
    skip = len(token) - len(token.lstrip(_OPENERS))
    head = _LEFT_HEAD.match(token, skip).end()  # the lower-case run the left part must be
    at = start + head
    if at >= end or text[at] not in ":," or not _LEFT.fullmatch(text, start + skip, at):
        return None
    left = text[start + skip:at]
    if left in _GLUE_OK or not text[at + 1: at + 2].isalpha():
        return None
    right = _RIGHT.match(text, at + 1)
    return (text[at], text[start + skip:right.end()]) if right else None


_SENTENCE_END = frozenset(".!?…:;\"'”’)")
_WIDGET = re.compile(
    r"^(?:share|tweet|print|e-?mail|comments?|reply|like|follow( us)?|subscribe|"
    r"read more|more|related|recommend(ed|ation)?|ranking|advertisement|view|"
    r"\w{2,20}!?\s*\(\d[\d,.]*\)|[\w ]{0,20}:\s*\d[\d,.]*)$",
    re.I,
)
MIN_LIST_RUN = 4  # consecutive short title-like lines that make a link list
MAX_LIST_LINE_WORDS = 20
_BULLET = re.compile(r"^(?:[-*•·–—>»]+\s*)")


def _is_list_line(line: str) -> bool:
    """A short line that reads like a link, menu item or headline: it starts
    like a title (capital, digit or bullet) and does not end like a sentence.
    Table rows (``| a | b |``) are data, not links."""
    if line[-1] in _SENTENCE_END or line[0] == "|":  # cheap tests first: most lines are sentences
        return False
    bare = _BULLET.sub("", line)
    words = bare.split()
    if not words or len(words) > MAX_LIST_LINE_WORDS:
        return False
    return bare[0].isupper() or bare[0].isdigit() or bare != line


def link_lists(text: str) -> tuple[str | None, float]:
    """The first run of >= 4 consecutive link-like lines (menus, related
    headlines, tag clouds), and the share of the text's words in such runs.

    Lists inside articles are common (tour dates, product features), so a run
    alone is worth a warning; a text that is mostly such runs is no article.
    """
    first = None
    total = in_runs = 0
    run: list[str] = []
    run_words = 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue  # paragraphs are separated by blank lines: look through them
        n = len(line.split())
        total += n
        if _is_list_line(line):
            run.append(line)
            run_words += n
            continue
        if len(run) >= MIN_LIST_RUN:
            in_runs += run_words
            first = first or _describe_run(run)
        run, run_words = [], 0
    if len(run) >= MIN_LIST_RUN:
        in_runs += run_words
        first = first or _describe_run(run)
    return first, (in_runs / total if total else 0.0)


def _describe_run(run: list[str]) -> str:
    return f"{len(run)} link-like lines: " + _short(" | ".join(run), 80)


def link_list(text: str) -> str | None:
    """The first run of >= 4 consecutive link-like lines, or None."""
    return link_lists(text)[0]


def widget_line(text: str) -> str | None:
    """A line that is only a page widget: "Share", "veryGood! (3572)", "Views: 120"."""
    for raw in text.splitlines():
        line = raw.strip()
        if line and len(line) <= 40 and _WIDGET.match(line):
            return f"widget line {_short(line)!r}"
    return None


def url_problem(url: str | None) -> str | None:
    """None for a missing URL or an http(s) URL with a host."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"malformed URL {_short(url)!r}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"not an http(s) URL {_short(url)!r}"
    if not parts.hostname or " " in url:
        return f"URL without a valid host {_short(url)!r}"
    return None


def _short(s: str, n: int = 40) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def article_signals(text: str, url: str | None) -> tuple:
    """What the clean suite checks of one article: (html_leftover, first link list, link-list
    share, widget_line, spam_token, url_problem). Computed in the cleaning worker that made the
    article (``Article.signals``), so the flow's own process, which the workers share the cores
    with, does not scan every text again; quality.frames.clean_frame reads it."""
    first_list, list_share = link_lists(text)
    return (html_leftover(text), first_list, round(list_share, 3), widget_line(text), spam_token(text),
            url_problem(url))
