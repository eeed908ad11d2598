"""HTML page to article text and metadata, with trafilatura plus our filters.

The page is parsed once with lxml; the tree feeds our metadata reader, a
pre-pruning pass, trafilatura's fast extractor (with links kept, so we can
tell link lists from prose) and htmldate's fast date search. trafilatura's
output tree is then filtered block by block to drop the boilerplate it lets
through (the headline repeated at the top, share and subscribe prompts,
"read more" lines, related-headline lists, credits, copyright lines), and
rendered as paragraphs separated by one blank line.
"""
from __future__ import annotations

import logging
import re

from lxml import etree

from ..records import Extracted
from .metadata import detect_language, normalise_author, page_metadata, parse_date

MAX_HTML_CHARS = 5_000_000  # larger pages are cut: the article is near the top, and lxml time grows with size
MAX_TREE_ELEMENTS = 100_000  # more elements than this is not an article page (trafilatura's MAX_TREE_SIZE idea)

# Elements that never hold article text but slip past trafilatura's own
# cleaning: pop-up cards nested in links (a person's hover card inside a
# sentence), and share/newsletter widgets. Class tokens, matched generically.
PRUNE_XPATH = [
    ".//*[contains(@class, 'rollover') or contains(@class, 'hovercard') or contains(@class, 'popover')]"
    "//*[not(self::a)][contains(@class, 'rollover') or contains(@class, 'hovercard') or contains(@class, 'popover')]",
]

_TOKEN = re.compile(r"\w+")
_COUNT_ELEMENTS = etree.XPath("count(//*)")
_URL_ONLY = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.IGNORECASE)
_MARKER = re.compile(r"^(?:[-*•|]\s*)+")  # list-item and table-cell marks in rendered lines
_LINK_TAIL = re.compile(r"\s*[\[(]\w+[\])]\W*$")  # "Headline [VIDEO]": a tag after the link
_LABELLED_URL = re.compile(r"^\s*(?:\w+\W*){1,3}:?\s*(?:https?://|www\.)\S+\s*$", re.IGNORECASE)

# Lines that are page furniture, not article prose. Only tested against short
# blocks (see MAX_BOILERPLATE_WORDS), so a sentence that merely contains the
# words is kept.
_BOILERPLATE = re.compile(
    r"""^\W*(?:
        (?:read|see|show|load|view)\s+(?:more|next|also|full|all)\b
      | (?:related|recommended|trending|popular|most\ (?:read|popular|viewed))(?:\s+(?:stories|articles|posts|content|news|coverage|reading|links|topics))?\s*[:.]?\s*$
      | related\s*:
      | (?:more|also)\s+(?:from|on|in|about)\b.{0,60}$
      | you\ (?:may|might)\ also\ (?:like|enjoy)
      | don'?t\ miss\b
      | (?:share|tweet|email|print|pin)\s+(?:this|on|via|the)\b
      | (?:share|comments?|print|email|tweet|advertisement|advertising|sponsored(?:\ content)?|ad|loading|close)\s*[.:]?\s*$
      | \d+\s+comments?\s*$
      | (?:sign\ up|subscribe|register)\b.{0,80}(?:newsletter|updates|inbox|alerts|free)
      | (?:get|receive)\b.{0,80}(?:newsletter|delivered|inbox)
      | click\ here\b
      | (?:copyright|©|\(c\))\s*(?:©\s*)?\d{0,4}
      | all\ rights\ reserved
      | (?:photo|image|picture|video)s?\s*(?:credit)?s?\s*:
      | (?:follow|like)\ us\ on\b
      | (?:this\ (?:article|story|page)|we)\ (?:uses?|may\ use)\ cookies
      | (?:by\ (?:using|continuing)|accept)\b.{0,60}cookies
      | an\ error\ (?:has\ )?occurred
      | (?:thank\ you|thanks)\s*(?:for\ (?:signing\ up|subscribing|reading))?\s*[.!]?\s*$
      | (?:updated|published|posted|last\ updated)\s*(?:at|on)?\s*:?\s*(?:\w+\.?,?\s*){0,4}\d{1,4}\b[^.]{0,30}$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
MAX_BOILERPLATE_WORDS = 30
# trafilatura settings: fast (no readability/jusText comparison) is as good
# as the default here and twice as quick; the precise mode is the second
# opinion for pages laid out in one big table.
EXTRACT_MODES = {"fast": {"fast": True}, "precise": {"favor_precision": True}}
MAX_TABLE_SHARE = 0.5  # output more than this share one table: ask the precise mode
MIN_PRECISE_SHARE = 0.3  # ... and take its answer unless it lost most of the text
MAX_LEADING_BLOCKS = 4  # headline and standfirst are looked for among the first blocks only
MIN_TITLE_PREFIX_WORDS = 5
LINK_BLOCK_SHARE = 0.9  # a short paragraph that is this much one link is a link
MIN_LINK_RUN = 1  # this many link paragraphs in a row are a related-headlines block
MAX_SPLIT_PART_DISTANCE = 2  # ... and it must be a sibling or cousin of the main container
MIN_SPLIT_PART_CHARS = 100
MAX_SPLIT_GAP_CHARS = 40  # "Advertisement" labels between parts are fine, real text is not
_INVISIBLE = {"script", "style", "noscript", "template"}  # paragraph text a container needs to count as a part of a split article body
LINK_LIST_SHARE = 0.5  # a list with more than this share of link items is navigation or related headlines
LINK_ITEM_SHARE = 0.25  # an item whose text is at least this share one link is a link item
MIN_ANCHOR_CHARS = 4

LOGGER = logging.getLogger(__name__)


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def _anchor_texts(tree) -> set[str]:
    """Whitespace-collapsed texts of the page's links, to recognise link
    lists in trafilatura's output (asking trafilatura to keep links changes
    what it extracts, so we look them up in the source instead)."""
    out = set()
    for a in tree.iter("a"):
        text = " ".join(a.text_content().split())
        if len(text) >= MIN_ANCHOR_CHARS:
            out.add(text)
    return out


def _link_share(text: str, anchors: set[str]) -> float:
    """Share of ``text`` covered by one link text (exact, or the longest link text it starts or ends with)."""
    if not text:
        return 0.0
    if text in anchors:
        return 1.0
    best = 0
    for anchor in anchors:
        if len(anchor) > best and anchor in text:
            best = len(anchor)
    return best / len(text)


def _is_title(words: list[str], titles: list[list[str]]) -> bool:
    """The block repeats a headline: the same words, a headline that starts
    with them (``<title>`` adds the site name), or them starting with a
    headline cut short (``og:title`` is sometimes truncated)."""
    for title in titles:
        if words == title:
            return True
        if len(words) >= MIN_TITLE_PREFIX_WORDS and title[: len(words)] == words:
            return True
        if len(title) >= MIN_TITLE_PREFIX_WORDS and words[: len(title)] == title and len(words) - len(title) <= 4:
            return True
    return False


def _is_link_list(el, anchors: set[str]) -> bool:
    """Most items of the list are (largely) one link: navigation or related headlines."""
    items = [t for t in (_text(item) for item in el.iter("item")) if t]
    linked = sum(_link_share(t, anchors) >= LINK_ITEM_SHARE for t in items)
    return bool(items) and linked > LINK_LIST_SHARE * len(items)


def _filter_blocks(body, titles: list[str], anchors: set[str], notes: list[str]) -> None:
    """Remove whole blocks of trafilatura's output tree, in place: the
    headline (and what precedes it) and headings before the first paragraph
    (the title is metadata, not body text), and link lists."""
    title_words = [w for w in (_words(t) for t in titles) if w]
    drop: dict = {}
    seen_paragraph = False
    for index, el in enumerate(body):
        text = _text(el)
        words = _words(text)
        reason = None
        if index < MAX_LEADING_BLOCKS and _is_title(words, title_words):
            reason = "title repeated"
            for before in range(index):  # what comes before the headline is not the article
                drop.setdefault(before, "before the headline")
        elif index < MAX_LEADING_BLOCKS and not seen_paragraph and el.tag == "head":
            reason = "heading before the text"
        elif el.tag == "list" and _is_link_list(el, anchors):
            reason = "link list"
        if reason:
            drop[index] = reason
        elif el.tag == "p" and len(words) > MAX_BOILERPLATE_WORDS // 2:
            seen_paragraph = True
    for index, el in reversed(list(enumerate(body))):
        if index in drop:
            notes.append(f"{drop[index]}: {_text(el)[:60]}")
            _remove(el)


def _line_reason(line: str, words: list[str]) -> str | None:
    if not words:
        return "no words"
    if _URL_ONLY.match(line):
        return "bare URL"
    if len(words) <= MAX_BOILERPLATE_WORDS:
        if _BOILERPLATE.match(line):
            return "boilerplate line"
        if _LABELLED_URL.match(line):
            return "labelled URL"
    return None


def _filter_lines(lines: list[str], anchors: set[str], notes: list[str]) -> list[str]:
    """Drop rendered lines (paragraphs, list items, lines split by <br>)
    that are page furniture: share/subscribe/"read more" prompts, bare
    URLs, and runs of short lines that are each one link (related
    headlines), or a lone one shouting in capitals."""
    drop: dict[int, str] = {}
    linkish: list[bool] = []
    for index, line in enumerate(lines):
        core = _MARKER.sub("", line)
        words = _words(core)
        reason = _line_reason(core, words)
        if reason:
            drop[index] = reason
        short = len(words) <= MAX_BOILERPLATE_WORDS
        link = short and not reason and _link_share(_LINK_TAIL.sub("", core), anchors) >= LINK_BLOCK_SHARE
        linkish.append(link)
        if link and core.isupper():
            drop[index] = "link in capitals"
    run: list[int] = []
    for index, link in enumerate([*linkish, False]):
        if link:
            run.append(index)
            continue
        if len(run) >= MIN_LINK_RUN:
            drop.update((i, "related link") for i in run)
        run = []
    for index, reason in sorted(drop.items()):
        notes.append(f"{reason}: {lines[index][:60]}")
    return [line for index, line in enumerate(lines) if index not in drop]


def _remove(el, keep: bool = False) -> None:
    """Remove an element but keep its tail text (it belongs to the parent);
    with ``keep`` the element keeps no tail, ready to be moved elsewhere."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)
    if keep:
        el.tail = None


def _merge_split_body(tree, notes: list[str]) -> None:
    """Rejoin an article body that the page splits into several containers
    with only ads or embeds between them.

    The container holding the most paragraph text is the body; containers of
    the same tag and class that are its siblings or cousins, hold real
    paragraphs and are separated from it by (almost) no text are moved into
    it, so the extractor sees one body. Parts with text between them (a
    gallery of captioned sections) are left as they are."""
    paragraph_chars: dict = {}
    for p in tree.iter("p"):
        parent = p.getparent()
        if parent is not None:
            paragraph_chars[parent] = paragraph_chars.get(parent, 0) + len(p.text_content())
    if not paragraph_chars:
        return
    top = max(paragraph_chars, key=paragraph_chars.get)
    cls = top.get("class")
    if not cls:
        return
    top_ancestors = list(top.iterancestors())
    parts = [
        el for el, chars in paragraph_chars.items()
        if el is not top and chars >= MIN_SPLIT_PART_CHARS and el.tag == top.tag and el.get("class") == cls
        and _is_cousin(el, top_ancestors)
    ]
    if not parts:
        return
    order = {el: i for i, el in enumerate(tree.iter())}
    chain = sorted([top, *parts], key=order.__getitem__)
    at = chain.index(top)
    before, after = [], []
    for i in range(at, 0, -1):  # walk outwards from the body while the gaps are empty
        if _gap_chars(chain[i - 1], chain[i], order) > MAX_SPLIT_GAP_CHARS:
            break
        before.insert(0, chain[i - 1])
    for i in range(at, len(chain) - 1):
        if _gap_chars(chain[i], chain[i + 1], order) > MAX_SPLIT_GAP_CHARS:
            break
        after.append(chain[i + 1])
    for part in reversed(before):
        _remove(part, keep=True)
        top.insert(0, part)
    for part in after:
        _remove(part, keep=True)
        top.append(part)
    if before or after:
        notes.append(f"article body joined from {len(before) + len(after) + 1} parts")


def _is_cousin(el, top_ancestors: list) -> bool:
    """Same short way up to a common ancestor from both sides."""
    for up, ancestor in enumerate(el.iterancestors(), 1):
        if up > MAX_SPLIT_PART_DISTANCE:
            return False
        if ancestor in top_ancestors:
            return top_ancestors.index(ancestor) + 1 == up
    return False


def _gap_chars(first, second, order: dict) -> int:
    """Characters of visible text between the end of ``first`` and the start of ``second``."""
    end = order[first] + sum(1 for _ in first.iterdescendants())
    chars = len((first.tail or "").strip())
    for el, pos in order.items():
        if end < pos < order[second]:
            if el.tag not in _INVISIBLE:
                chars += len((el.text or "").strip())
            chars += len((el.tail or "").strip())
    return chars


def _render_lines(body) -> list[str]:
    """trafilatura's plain-text rendering, one whitespace-collapsed line per paragraph."""
    from trafilatura.xml import xmltotxt

    text = xmltotxt(body, False)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return [line for line in lines if line]


def _parse(html: str):
    from trafilatura import load_html

    return load_html(html)


def extract_html(html: str, url: str | None = None) -> Extracted:
    """Main text and metadata of an HTML page. Never raises and never returns
    None: a page without an article (or that cannot be parsed) gives
    ``Extracted(text="")`` with a note saying why."""
    notes: list[str] = []
    try:
        return _extract(html, url, notes)
    except Exception as exc:  # lxml and trafilatura raise assorted errors on broken pages
        LOGGER.debug("extraction failed for %s: %s", url, exc, exc_info=True)
        notes.append(f"extraction failed: {type(exc).__name__}: {exc}")
        return Extracted(text="", notes=notes)


def _extract(html: str, url: str | None, notes: list[str]) -> Extracted:
    if not html or not html.strip():
        notes.append("empty document")
        return Extracted(text="", notes=notes)
    if len(html) > MAX_HTML_CHARS:
        notes.append(f"page cut to {MAX_HTML_CHARS:,} characters")
        html = html[:MAX_HTML_CHARS]
    tree = _parse(html)
    if tree is None:
        notes.append("not parseable as HTML")
        return Extracted(text="", notes=notes)
    size = int(_COUNT_ELEMENTS(tree))
    if size > MAX_TREE_ELEMENTS:
        notes.append(f"page has {size:,} elements (limit {MAX_TREE_ELEMENTS:,}): not treated as an article")
        return Extracted(text="", notes=notes)

    meta = page_metadata(tree)
    _merge_split_body(tree, notes)
    text = _main_text(tree, url, _titles(tree, meta.get("title")), notes)
    published = parse_date(meta["date"]) if meta.get("date") else None
    if published is None:
        published = _htmldate(tree, url)
    return Extracted(
        text=text,
        title=meta.get("title"),
        author=normalise_author(meta["author"]) if meta.get("author") else None,
        published=published,
        site_name=meta.get("site_name"),
        url=meta.get("url"),
        language=detect_language(text) if text else None,
        notes=notes,
    )


def _titles(tree, title: str | None) -> list[str]:
    """Every headline the page states: metadata title, ``<h1>``, ``<title>``."""
    out = [title] if title else []
    for tag in ("h1", "title"):
        node = tree.find(f".//{tag}")
        if node is not None:
            out.append(node.text_content())
    return out


def _main_text(tree, url: str | None, titles: list[str], notes: list[str]) -> str:
    import trafilatura

    anchors = _anchor_texts(tree)
    body = _trafilatura_body(tree, url, EXTRACT_MODES["fast"])
    if body is not None and _table_share(body) > MAX_TABLE_SHARE:
        # A layout table holds the whole page: the fast extractor takes the
        # table cell with everything in it; the precise one finds the article.
        precise = _trafilatura_body(tree, url, EXTRACT_MODES["precise"])
        if precise is not None and len(_text(precise)) >= MIN_PRECISE_SHARE * len(_text(body)):
            notes.append("layout table: precise extraction used")
            body = precise
    if body is None:
        notes.append("no article found")
        return ""
    _filter_blocks(body, titles, anchors, notes)
    text = "\n\n".join(_filter_lines(_render_lines(body), anchors, notes))
    if not text:
        notes.append("nothing left after filtering")
    return text


def _trafilatura_body(tree, url: str | None, mode: dict):
    """trafilatura's output tree (``<body>`` of ``<p>``, ``<head>``, ``<list>`` ...) or None."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        tree, url=url, include_comments=False, with_metadata=False, prune_xpath=PRUNE_XPATH, **mode
    )
    return doc.body if doc is not None and doc.body is not None and len(doc.body) else None


def _table_share(body) -> float:
    total = len(_text(body))
    tables = sum(len(_text(el)) for el in body if el.tag == "table")
    return tables / total if total else 0.0


def _htmldate(tree, url: str | None):
    from htmldate import find_date

    try:
        found = find_date(tree, url=url, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # htmldate is best effort
        return None
    return parse_date(found) if found else None
