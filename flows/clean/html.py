"""HTML page to article text and metadata: trafilatura plus our filters.

The page is parsed once with lxml and the tree is shared: our metadata reader
(metadata.py), a pass that rejoins an article body split by ads, trafilatura's
fast extractor (the precise one as a second opinion on layout-table pages)
and htmldate's fast date search. trafilatura's output is then filtered, as
blocks and as rendered lines, to drop the boilerplate it lets through: the
headline repeated on top, share/subscribe/"read more" prompts, contact and
copyright lines, bare URLs, and related headlines (recognised by comparing
lines with the page's link texts). Paragraphs are separated by one blank
line. Budget: about the cost of one default ``trafilatura.extract`` call
(bench/extraction_f1.py measures both).
"""
from __future__ import annotations

import logging
import re
from copy import deepcopy

from lxml import etree

from ..records import Extracted
from . import blocks, tuned
from .metadata import detect_language, normalise_author, page_metadata, parse_date

MAX_HTML_CHARS = 5_000_000  # larger pages are cut: the article is near the top, and lxml time grows with size
MAX_TREE_ELEMENTS = 100_000  # more elements than this is not an article page (trafilatura's MAX_TREE_SIZE idea)
_HTML_PARSER = None  # trafilatura's parser options, with libxml2's huge-tree depth (_parser())
# the notes saying extraction stopped at a limit (below): a page without text says which in quarantine
GAVE_UP_NOTES = ("page has about", "page cut to", "extraction failed", "not parseable")

# Pop-up cards nested in the text (a person's hover card inside a sentence)
# slip past trafilatura's cleaning and put a list of headlines mid-sentence.
# The XPath costs about 1 ms a page, so it only runs when the page's source
# mentions one of the class words.
_POPUP_WORDS = ("rollover", "hovercard", "popover")
_POPUP_CLASS = " or ".join(f"contains(@class, '{w}')" for w in _POPUP_WORDS)
PRUNE_XPATH = [f".//*[{_POPUP_CLASS}]//*[not(self::a)][{_POPUP_CLASS}]"]

# Embedded social posts (the platforms' own markup) quoted in the article.
_EMBED_MARKERS = ("twitter-tweet", "instagram-media")
_EMBEDDED_POSTS = etree.XPath(
    "//blockquote[" + " or ".join(f"contains(@class, '{m}')" for m in _EMBED_MARKERS) + "]"
)
_EMBED_WRAPPER_WORDS = ("social", "embed", "share", "tweet", "instagram")

_TOKEN = re.compile(r"\w+")
_URL_ONLY = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.IGNORECASE)
# "Email the author at x@y.com", "Follow us on Twitter @site": contact lines,
# not article text (a sentence starting with the verb, in a short line)
_CONTACT = re.compile(
    r"(?:^|[.!?]\s+)(?:follow|reach|contact|e-?mail|write\ to)\b[^.?!]{0,80}?(?:\S+@\S+\.\w+|@\w+|twitter|facebook|instagram)",
    re.IGNORECASE,
)
# Markup shown as text (an embed's code quoted in the page): never article prose,
# and it would send the article to quarantine as HTML left in the text.
_MARKUP = re.compile(r"<(?:a|p|div|span|img|script|iframe|blockquote|br)\b[^<>]*>", re.IGNORECASE)
_LINK_TAIL = re.compile(r"\s*[\[(]\w+[\])]\W*$")  # "Headline [VIDEO]": a tag after the link
# "Source: https://...", "Read the report at www...": 1-3 words, then a URL. Each word is followed by
# non-word characters (or is the last), so a long word cannot be split between repetitions: the
# earlier (?:\w+\W*){1,3} took 16 s on one 1,000-letter word (cubic backtracking).
_LABELLED_URL = re.compile(r"^\s*\w+(?:\W+\w+){0,2}\W*(?:https?://|www\.)\S+\s*$", re.IGNORECASE)

# Lines that are page furniture, not article prose. Only tested against short
# blocks (see MAX_BOILERPLATE_WORDS), so a sentence that merely contains the
# words is kept. These are English words: they only decide for pages whose
# text is detected as English (_NEUTRAL_BOILERPLATE holds for every language).
_NEUTRAL_BOILERPLATE = re.compile(r"^\W*(?:©|\(c\)\s*\d{4})", re.IGNORECASE)
_BOILERPLATE = re.compile(
    r"""^\W*(?:
        (?:read|see|show|load|view)\s+(?:more|next|also|full|all)\b
      | (?:related|recommended|trending|popular|most\ (?:read|popular|viewed))(?:\s+(?:stories|articles|posts|content|news|coverage|reading|links|topics))?\s*[:.]?\s*$
      | related\s*:
      | (?:more|also)\s+(?:from|on|in|about)\b[^.]{0,60}$
      | you\ (?:may|might)\ also\ (?:like|enjoy)
      | don['’]?t\ miss\b
      | (?:share|tweet|email|print|pin)\s+(?:this|on|via)\b
      | (?:share|comments?|print|email|tweet|advertisement|advertising|sponsored(?:\ content)?|ad|loading|close)\s*[.:]?\s*$
      | \d+\s+comments?\s*$
      | (?:order\ )?reprints?\s*$
      | print(?:\ this)?(?:\ article|\ page|\ story)?\s*$
      | .{0,60}\bfor\ (?:your\ )?personal,?\ non-commercial\ use
      | (?:sign\ up|subscribe|register)\b.{0,80}(?:newsletter|updates|inbox|alerts|free)
      | (?:get|receive)\b.{0,80}(?:newsletter|delivered|inbox)
      | click\ here\b
      | ©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\)|\d{4})
      | copyright\b[^.]{0,60}\b(?:19|20)\d\d\b[^.]*$
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
# A disclaimer paragraph (rights, affiliate links) is furniture at any length.
_DISCLAIMER = re.compile(r"^\W*disclaimer\s*:", re.IGNORECASE)
MAX_BOILERPLATE_WORDS = 30  # lines longer than this are prose, whatever words they contain
MAX_CONTACT_WORDS = 40
MAX_NOTES = 40

# trafilatura settings: fast (no readability/jusText comparison) does as well
# as the default here at half the cost; the precise mode is a second opinion
# for pages laid out in one big table.
EXTRACT_MODES = {"fast": {"fast": True}, "precise": {"favor_precision": True}, "fallback": {}}
MAX_TABLE_SHARE = 0.5  # fast output more than this share one table: ask the precise mode
MIN_PRECISE_SHARE = 0.3  # ... and take its answer unless it lost most of the text

# Headline and standfirst: looked for among the first blocks only.
MAX_LEADING_BLOCKS = 4
MIN_TITLE_PREFIX_WORDS = 5

# Links (text compared with the page's <a> texts).
MIN_ANCHOR_CHARS = 4
LINK_LIST_SHARE = 0.5  # a list with more than this share of link items is navigation or related headlines
LINK_ITEM_SHARE = 0.25  # an item whose text is at least this share one link is a link item
LINK_BLOCK_SHARE = 0.9  # a short line that is this much one link is a link
MIN_LINK_RUN = 2  # this many link lines in a row are a related-headlines block

# An article body split into several containers (see _merge_split_body).
MIN_SPLIT_PART_CHARS = 100  # paragraph text a container needs to count as a part
MAX_SPLIT_PART_DISTANCE = 2  # a part is a sibling or cousin of the main container
MAX_SPLIT_GAP_CHARS = 40  # "Advertisement" labels between parts are fine, real text is not
_INVISIBLE = {"script", "style", "noscript", "template"}
MIN_LOOSE_TEXT_CHARS = 80  # loose text in the main container worth a paragraph of its own
_INLINE = {"a", "abbr", "b", "cite", "code", "em", "i", "mark", "q", "s", "small", "span", "strong", "sub", "sup", "time", "u"}

# <div>s written as paragraphs: inline content only, and a sentence or more of it
_DIV_PARAGRAPHS = etree.XPath(
    "//div[not(*[not(" + " or ".join(f"self::{tag}" for tag in sorted(_INLINE | {"br"})) + ")])]"
    f"[string-length(normalize-space()) >= {MIN_LOOSE_TEXT_CHARS}]"
)

# An article has at least one line this long; without one the page has none.
# Characters count too: Chinese and Japanese are written without spaces.
MIN_PROSE_WORDS, MIN_PROSE_CHARS = 10, 60

LOGGER = logging.getLogger(__name__)


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


def extract_candidates(html: str, url: str | None = None) -> dict:
    """What ``flows.clean.tuned`` chooses between, for one page: every
    candidate text (see ``tuned.candidate_key``) and the signal the choice
    depends on. For bench/clean_eval.py, which re-fits the choices by
    cross-validation; the stage itself computes only what it keeps."""
    explore: dict = {"texts": {}, "share": {}, "main": {}, "div": {}, "vectors": {}}
    fired: dict[tuple[bool, bool], list[str]] = {}
    for wrap in (True, False):
        for merge in (True, False):
            # a pass only differs from the first when the step it leaves out did something
            first = fired.get((True, True))
            if first is not None and not _step_fired(first, wrap, merge):
                for field in ("texts", "share", "main", "div"):
                    explore[field].update({
                        tuned.prefix(wrap, merge) + k[len(tuned.prefix(True, True)):]: v
                        for k, v in list(explore[field].items()) if k.startswith(tuned.prefix(True, True))
                    })
                continue
            notes: list[str] = []
            explore["steps"] = (wrap, merge)
            _extract(html, url, notes, explore)
            fired[(wrap, merge)] = notes
    del explore["steps"]
    return explore


def _step_fired(notes: list[str], wrap: bool, merge: bool) -> bool:
    """Whether leaving out the steps switched off here would change the page."""
    return ((not wrap and any(n.startswith("loose text wrapped") for n in notes))
            or (not merge and any(n.startswith("article body joined") for n in notes)))


def _extract(html: str, url: str | None, notes: list[str], explore: dict | None = None) -> Extracted:
    if not html or not html.strip():
        notes.append("empty document")
        return Extracted(text="", notes=notes)
    if len(html) > MAX_HTML_CHARS:
        notes.append(f"page cut to {MAX_HTML_CHARS:,} characters")
        html = html[:MAX_HTML_CHARS]
    tags = html.count("<")  # an upper bound of the element count, known before parsing
    if tags > MAX_TREE_ELEMENTS * 2:
        notes.append(f"page has about {tags // 2:,} elements (limit {MAX_TREE_ELEMENTS:,}): not treated as an article")
        return Extracted(text="", notes=notes)
    tree = _parse(html)
    if tree is None:
        notes.append("not parseable as HTML")
        return Extracted(text="", notes=notes)
    meta = page_metadata(tree, url)
    wrap, merge = explore["steps"] if explore is not None else (
        tuned.params()["wrap_loose_text"], tuned.params()["merge_split_body"])
    if wrap:
        _wrap_loose_texts(tree, notes)
    top, paragraph_chars = _main_container(tree)
    main_chars = paragraph_chars[top] if top is not None else 0
    if merge:
        _merge_split_body(tree, top, paragraph_chars, notes)
    if any(marker in html for marker in _EMBED_MARKERS):
        _lift_embedded_posts(tree, notes)
    prune = PRUNE_XPATH if any(w in html for w in _POPUP_WORDS) else None
    text = _main_text(tree, url, _titles(tree, meta.get("title")), prune, main_chars, notes, explore, top)
    # htmldate first: it weighs the URL's date (the local publication day)
    # against the markup's; the raw metadata date is the fallback
    published = _htmldate(tree, url) or (parse_date(meta["date"]) if meta.get("date") else None)
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


def _main_text(tree, url: str | None, titles: list[str], prune: list[str] | None, main_chars: int,
               notes: list[str], explore: dict | None = None, top=None) -> str:
    """trafilatura's article, filtered; "" when the page has none.

    The fast extractor answers first; when its text is much shorter than the
    paragraphs of the page's main container (it took a teaser, a summary box
    or a menu), trafilatura's full mode with its readability and jusText
    comparison is asked instead (``tuned``: the share below which it is)."""
    params = tuned.params()
    anchors = _anchor_texts(tree)
    body = _trafilatura_body(tree, url, EXTRACT_MODES["fast"], prune)
    if body is not None and _table_share(body) > MAX_TABLE_SHARE:
        # A layout table holds the whole page: the fast extractor takes the
        # table cell with everything in it; the precise one finds the article.
        precise = _trafilatura_body(tree, url, EXTRACT_MODES["precise"], prune)
        if precise is not None and len(_text(precise)) >= MIN_PRECISE_SHARE * len(_text(body)):
            notes.append("layout table: precise extraction used")
            body = precise
    if explore is not None:
        full, steps = None, explore["steps"]
        div_chars = _div_paragraph_chars(tree) if main_chars < tuned.MAX_FALLBACK_MAIN_BELOW else None
        for drop_heading in tuned.GRID["drop_lead_heading"]:
            fast, share = _filtered_share(body, titles, anchors, drop_heading, main_chars, [], copy=True)
            key = tuned.candidate_key(*steps, False, drop_heading)
            explore["share"][key], explore["texts"][key] = share, fast
            explore["main"][key], explore["div"][key] = main_chars, div_chars
            if share < tuned.MAX_FALLBACK_BELOW or tuned.written_without_paragraphs(
                    main_chars, div_chars, len(fast), tuned.MAX_FALLBACK_MAIN_BELOW, tuned.MIN_FALLBACK_DIV_RATIO):
                full = full if full is not None else _trafilatura_body(tree, url, EXTRACT_MODES["fallback"], prune)
                other = _filtered(deepcopy(full), titles, anchors, drop_heading, []) if full is not None else ""
                explore["texts"][tuned.candidate_key(*steps, True, drop_heading)] = max(fast, other, key=len)
    drop_heading = params["drop_lead_heading"]
    text, share = _filtered_share(body, titles, anchors, drop_heading, main_chars, notes)
    below = params["fallback_main_below"]
    if share < params["fallback_below"] or (main_chars < below and tuned.written_without_paragraphs(
            main_chars, _div_paragraph_chars(tree), len(text), below, params["fallback_div_ratio"])):
        full = _trafilatura_body(tree, url, EXTRACT_MODES["fallback"], prune)
        other = _filtered(full, titles, anchors, drop_heading, []) if full is not None else ""
        if len(other) > len(text):  # the full mode found more of the article
            why = (f"kept {share:.0%} of the main text" if share < params["fallback_below"]
                   else "missed text in <div> paragraphs")
            notes.append(f"fast extraction {why}: full extraction used")
            text = other
    if body is None and not text:
        notes.append("no article found")
    model = blocks.model() if explore is None else None
    if explore is not None or (model is not None and text):
        index = blocks.source_index(tree)
        share_of_link = lambda line: _link_share(_LINK_TAIL.sub("", line), anchors)  # noqa: E731
        if explore is not None:
            for key, candidate in explore["texts"].items():
                if key.startswith(tuned.prefix(*explore["steps"])) and candidate not in explore["vectors"]:
                    explore["vectors"][candidate] = blocks.line_features(
                        candidate.split("\n\n"), index, top, share_of_link) if candidate else []
        else:
            lines = text.split("\n\n")
            mask = blocks.keep_mask(blocks.line_features(lines, index, top, share_of_link), model, lines)
            for line, keep in zip(lines, mask):
                if not keep:
                    _note(notes, f"not article text (model): {line[:60]}")
            text = "\n\n".join(line for line, keep in zip(lines, mask) if keep)
    return text


def _filtered_share(body, titles, anchors, drop_heading: bool, main_chars: int, notes: list[str],
                    copy: bool = False) -> tuple[str, float]:
    """The filtered text of ``body`` and its length as a share of the main
    container's paragraph text (1.0 for a page without paragraphs)."""
    if body is None:
        return "", 0.0 if main_chars else 1.0
    text = _filtered(deepcopy(body) if copy else body, titles, anchors, drop_heading, notes)
    return text, (len(text) / main_chars if main_chars else 1.0)


def _filtered(body, titles: list[str], anchors: dict[str, list[str]], drop_heading: bool, notes: list[str]) -> str:
    """trafilatura's output tree filtered as blocks and lines, as text ("" if no prose is left)."""
    _filter_blocks(body, titles, anchors, notes, drop_heading)
    rendered = _render_lines(body)
    english = detect_language("\n\n".join(rendered[:8])) == "en"  # the text's own start: asked again at the end
    lines = _filter_lines(rendered, anchors, notes, english)
    if not any(len(_words(line)) >= MIN_PROSE_WORDS or len(line) >= MIN_PROSE_CHARS for line in lines):
        # form labels, buttons and headings (a login page, a section front)
        notes.append(f"no article: no line of {MIN_PROSE_WORDS}+ words ({len(lines)} short lines dropped)")
        return ""
    return "\n\n".join(lines)


def _trafilatura_body(tree, url: str | None, mode: dict, prune: list[str] | None):
    """trafilatura's output tree (``<body>`` of ``<p>``, ``<head>``, ``<list>`` ...) or None."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        tree, url=url, include_comments=False, with_metadata=False, prune_xpath=prune, **mode
    )
    return doc.body if doc is not None and doc.body is not None and len(doc.body) else None


def _table_share(body) -> float:
    if not any(el.tag == "table" for el in body):  # most pages: no need to measure the text
        return 0.0
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


def _parse(html: str):
    """The page's tree (None if it is not HTML), nested no deeper than MAX_NESTING."""
    tree = _parse_as_trafilatura(html)
    if tree is not None:
        _flatten_deep(tree)
    return tree


def _parse_as_trafilatura(html: str):
    """``trafilatura.load_html`` for a string, with its repairs done without
    scanning the page twice (same tree; about 0.7 ms a page less on the dev
    sets, where minified pages are one long first line)."""
    from lxml.html import fromstring
    from trafilatura import load_html
    from trafilatura import utils

    if not isinstance(html, str):
        return load_html(html)
    beginning = html[:50].lower()
    dubious = utils.is_dubious_html(beginning)
    html = _repair_faulty_html(html, beginning)
    tree, fallback_parse = None, False
    try:
        tree = fromstring(html, parser=_parser())
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree, fallback_parse = _fromstring_bytes(html), True
    except Exception as exc:  # pragma: no cover
        LOGGER.debug("lxml parsing failed: %s", exc)
    if (tree is None or len(tree) < 1) and not fallback_parse:
        tree = _fromstring_bytes(html)
    if tree is not None and dubious and len(tree) < 2:  # not (well-formed) HTML at all
        tree = None
    return tree


MAX_NESTING = 100  # levels of elements kept as they are; the dev sets' deepest page has 34
_AT_THE_LIMIT = etree.XPath("/*" * MAX_NESTING)  # the elements MAX_NESTING levels down (the root is level 1)


def _flatten_deep(tree) -> int:
    """Unwrap the elements nested deeper than MAX_NESTING that hold other elements (their text,
    children and tails stay, in order, one level up): returns how many were unwrapped.

    trafilatura and its fallbacks walk each paragraph's ancestors, so their cost is paragraphs x
    depth: 60 KB of ``<div><p>`` never closed (3,000 times; ``huge_tree`` keeps up to 2,048
    levels) took 11.8 s of CPU, and 340 KB of them 77 s, past the per-document limit, where
    trafilatura's own parser stops at 256 levels, drops the rest, and takes 0.3 s. Unwrapped,
    the paragraphs below the limit are siblings: 1.6 s and 7.8 s. Real pages are far shallower
    (the 559 dev pages: 18 levels at the median, 34 at most), so none changes."""
    cuts = [el for el in _AT_THE_LIMIT(tree) if len(el)]  # one XPath in C: about 0.15 ms a page
    unwrapped = 0
    for cut in cuts:
        # outermost first: each unwrap moves only its own children up, to elements already flat
        for el in [d for d in cut.iterdescendants() if isinstance(d.tag, str) and len(d)]:
            el.drop_tag()
            unwrapped += 1
    return unwrapped


def _parser():
    """trafilatura's ``utils.HTML_PARSER`` with ``huge_tree``: without it libxml2 stops at
    256 levels of nesting and drops the rest of the page, so an article under 300 unclosed
    ``<div>``s was "no article text"; with it the limit is 2,048 levels (pages are cut to
    MAX_HTML_CHARS before parsing, so no node can grow huge)."""
    global _HTML_PARSER
    if _HTML_PARSER is None:
        from lxml.html import HTMLParser

        _HTML_PARSER = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                                  remove_comments=True, remove_pis=True, huge_tree=True)
    return _HTML_PARSER


def _fromstring_bytes(html: str):
    """``trafilatura.utils.fromstring_bytes`` with this module's parser."""
    from lxml.html import fromstring

    try:
        return fromstring(html.encode("utf8", "surrogatepass"), parser=_parser())
    except Exception as exc:
        LOGGER.debug("lxml parser bytestring %s", exc)
    return None


# characters trafilatura removes before parsing (utils.INVALID_XML_CHARS), as bytes for a fast test
_CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32)])


def _repair_faulty_html(html: str, beginning: str) -> str:
    """``trafilatura.utils.repair_faulty_html``, same result: the control
    characters are looked for in one C pass before the regex runs, and the
    doctype pattern (anchored at the start) is matched, not searched for
    along a first line that can be the whole page."""
    from trafilatura import utils

    encoded = html.encode("utf-8", "surrogatepass")
    if len(encoded.translate(None, _CONTROL_BYTES)) != len(encoded) or "\ufffe" in html or "\uffff" in html:
        html = utils.INVALID_XML_CHARS.sub("", html)
    if "doctype" in beginning:
        firstline, _, rest = html.partition("\n")
        found = utils.DOCTYPE_TAG.match(firstline)
        if found:
            firstline = firstline[found.end():]
        html = firstline + "\n" + rest
    for line in html[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            html = utils.FAULTY_HTML.sub(r"\1>", html, count=1)
            break
    return html


def _titles(tree, title: str | None) -> list[str]:
    """Every headline the page states: metadata title, ``<h1>``, ``<title>``."""
    out = [title] if title else []
    for tag in ("h1", "title"):
        node = tree.find(f".//{tag}")
        if node is not None:
            out.append(node.text_content())
    return out


def _wrap_loose_texts(tree, notes: list[str]) -> None:
    """Text written straight into a container before its first child
    (``<div>First paragraph <em>x</em> more.<br>...``) is dropped by
    trafilatura: give it a ``<p>`` of its own."""
    loose = [
        el for el in tree.iter("div", "section", "article", "td")
        if len(el) and el.text and el.text.strip() and _has_loose_text(el)
    ]
    for el in loose:
        _wrap_loose_text(el)
    if loose:
        notes.append(f"loose text wrapped in {len(loose)} containers")


def _has_loose_text(container) -> bool:
    """Leading text long enough for a paragraph, with more text after it: a
    container that is one paragraph and its closing ``<br>``s is left as it is
    (trafilatura reads a ``<div>`` used as a paragraph; wrapping its text
    loses the paragraphs around it)."""
    lead = _leading_inline_chars(container)
    return lead >= MIN_LOOSE_TEXT_CHARS and len(container.text_content().strip()) - lead >= MIN_LOOSE_TEXT_CHARS


def _leading_inline_chars(container) -> int:
    """Length of the container's text up to its first ``<br>`` or block
    child; 0 if there is none (a ``<div>`` used as a paragraph is fine)."""
    chars = len(container.text.strip())
    for child in container:
        if not isinstance(child.tag, str) or child.tag not in _INLINE:
            return chars
        chars += len(child.text_content()) + len((child.tail or "").strip())
    return 0


def _wrap_loose_text(container) -> None:
    """Move the container's leading text and the inline elements after it
    (up to the first ``<br>`` or block) into a new first ``<p>``."""
    para = etree.SubElement(container, "p")
    container.insert(0, para)  # SubElement appends; move it to the front
    para.text, container.text = container.text, None
    for child in list(container)[1:]:
        if not isinstance(child.tag, str) or child.tag not in _INLINE:
            break
        para.append(child)  # moves the child with its tail


def _main_container(tree):
    """The element holding the most paragraph text, with that text per parent."""
    paragraph_chars: dict = {}
    for p in tree.iter("p"):
        parent = p.getparent()
        if parent is not None:
            paragraph_chars[parent] = paragraph_chars.get(parent, 0) + len(p.text_content())
    if not paragraph_chars:
        return None, paragraph_chars
    return max(paragraph_chars, key=paragraph_chars.get), paragraph_chars


def _div_paragraph_chars(tree) -> int:
    """Text in ``<div>``s written as paragraphs (inline content only, a
    sentence or more): the article of a page written without ``<p>``."""
    return sum(len(div.text_content()) for div in _DIV_PARAGRAPHS(tree))


def _merge_split_body(tree, top, paragraph_chars: dict, notes: list[str]) -> None:
    """Rejoin an article body that the page splits into several containers
    with only ads or embeds between them.

    The container holding the most paragraph text is the body; containers of
    the same tag and class that are its siblings or cousins, hold real
    paragraphs and are separated from it by (almost) no text are moved into
    it, so the extractor sees one body. Parts with text between them (a
    gallery of captioned sections) are left as they are."""
    if top is None:
        return
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
    elements = [el for el in tree.iter() if isinstance(el.tag, str)]  # no comments or PIs
    order = {el: i for i, el in enumerate(elements)}
    chain = sorted([top, *parts], key=order.__getitem__)
    at = chain.index(top)
    before, after = [], []
    for i in range(at, 0, -1):  # walk outwards from the body while the gaps are empty
        if _gap_chars(chain[i - 1], chain[i], elements, order) > MAX_SPLIT_GAP_CHARS:
            break
        before.insert(0, chain[i - 1])
    for i in range(at, len(chain) - 1):
        if _gap_chars(chain[i], chain[i + 1], elements, order) > MAX_SPLIT_GAP_CHARS:
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


def _gap_chars(first, second, elements: list, order: dict) -> int:
    """Characters of visible text between the end of ``first`` and the start of ``second``."""
    start = order[first] + sum(1 for _ in first.iterdescendants("*")) + 1
    chars = len((first.tail or "").strip())
    for el in elements[start : order[second]]:
        if el.tag not in _INVISIBLE:
            chars += len((el.text or "").strip())
        chars += len((el.tail or "").strip())
    return chars


def _lift_embedded_posts(tree, notes: list[str]) -> None:
    """Embedded tweets and Instagram posts are quotes the article makes, but
    they come wrapped in "social"/"embed" containers that trafilatura drops
    as share widgets: replace such a wrapper with the quote it holds."""
    lifted = 0
    for quote in _EMBEDDED_POSTS(tree):
        wrapper = quote.getparent()
        outer = wrapper.getparent() if wrapper is not None else None
        label = f"{wrapper.get('class', '')} {wrapper.get('id', '')}".lower() if wrapper is not None else ""
        if outer is None or not any(word in label for word in _EMBED_WRAPPER_WORDS):
            continue
        quote.tail = wrapper.tail
        outer.replace(wrapper, quote)
        lifted += 1
    if lifted:
        notes.append(f"{lifted} embedded posts kept")


def _filter_blocks(body, titles: list[str], anchors: dict[str, list[str]], notes: list[str],
                   drop_heading: bool | str = True) -> None:
    """Remove whole blocks of trafilatura's output tree, in place: the
    headline (and what precedes it) and headings before the first paragraph
    (the title is metadata, not body text; ``drop_heading`` "short": only
    those shorter than a sentence, a standfirst is kept), and link lists."""
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
        elif (drop_heading and index < MAX_LEADING_BLOCKS and not seen_paragraph and el.tag == "head"
              and (drop_heading is True or len(words) < MIN_PROSE_WORDS)):
            reason = "heading before the text"
        elif el.tag == "list" and _is_link_list(el, anchors):
            reason = "link list"
        if reason:
            drop[index] = reason
        elif el.tag == "p" and len(words) > MAX_BOILERPLATE_WORDS // 2:
            seen_paragraph = True
    doomed = [(el, drop[index]) for index, el in enumerate(body) if index in drop]
    for el, reason in doomed:
        _note(notes, f"{reason}: {_text(el)[:60]}")
        _remove(el)


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


def _is_link_list(el, anchors: dict[str, list[str]]) -> bool:
    """Most items of the list are (largely) one link: navigation or related headlines."""
    items = [t for t in (_text(item) for item in el.iter("item")) if t]
    linked = sum(_link_share(t, anchors) >= LINK_ITEM_SHARE for t in items)
    return bool(items) and linked > LINK_LIST_SHARE * len(items)


def _filter_lines(lines: list[str], anchors: dict[str, list[str]], notes: list[str], english: bool = True) -> list[str]:
    """Drop rendered lines (paragraphs, list items, lines split by <br>)
    that are page furniture: share/subscribe/"read more" prompts, bare
    URLs, and runs of short lines that are each one link (related
    headlines), or a lone one shouting in capitals. The English word lists
    only decide for English text."""
    drop: dict[int, str] = {}
    linkish: list[bool] = []
    for index, line in enumerate(lines):
        core = blocks.LINE_MARKER.sub("", line)
        words = _words(core)
        reason = _line_reason(core, words, english)
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
        _note(notes, f"{reason}: {lines[index][:60]}")
    return [line for index, line in enumerate(lines) if index not in drop]


def _line_reason(line: str, words: list[str], english: bool = True) -> str | None:
    if not words:
        return "no words"
    if english and len(words) <= MAX_CONTACT_WORDS and _CONTACT.search(line):
        return "contact line"
    if english and _DISCLAIMER.match(line):
        return "disclaimer"
    if _URL_ONLY.match(line):
        return "bare URL"
    if _MARKUP.search(line):
        return "markup as text"
    if len(words) <= MAX_BOILERPLATE_WORDS:
        if _NEUTRAL_BOILERPLATE.match(line) or (english and _BOILERPLATE.match(line)):
            return "boilerplate line"
        if _LABELLED_URL.match(line):
            return "labelled URL"
    return None


def _anchor_texts(tree) -> "_Anchors":
    """The page's link texts (whitespace-collapsed), indexed by their first
    word, to recognise link lists and related headlines in trafilatura's
    output (asking trafilatura to keep links changes what it extracts, so we
    look them up in the source instead)."""
    out = _Anchors()
    for a in tree.iter("a"):
        text = " ".join((a.text_content() if len(a) else a.text or "").split())
        first = _TOKEN.search(text) if len(text) >= MIN_ANCHOR_CHARS else None
        if first:
            out.setdefault(first.group(), []).append(text)
            out.lead.setdefault(text, first.start())
    return out


class _Anchors(dict):
    """Link texts by first word, and the link shares already looked up. ``lead``: where each link
    text's first word starts (after leading punctuation); ``by_shape``: a first word's many link
    texts by (length, what precedes the word), built when first needed."""

    def __init__(self):
        super().__init__()
        self.shares: dict[str, float] = {}
        self.lead: dict[str, int] = {}
        self.by_shape: dict[str, list[tuple[int, str, frozenset]]] = {}

    def shapes(self, word: str) -> list[tuple[int, str, frozenset]]:
        """The link texts starting with ``word`` grouped by (length, leading punctuation), longest first."""
        if word not in self.by_shape:
            groups: dict[tuple[int, str], set] = {}
            for anchor in self[word]:
                groups.setdefault((len(anchor), anchor[:self.lead[anchor]]), set()).add(anchor)
            self.by_shape[word] = sorted(((n, lead, frozenset(g)) for (n, lead), g in groups.items()),
                                         key=lambda shape: -shape[0])
        return self.by_shape[word]


def _link_share(text: str, anchors: _Anchors) -> float:
    """Share of ``text`` taken by the longest link text found in it (looked up once per text)."""
    if not text:
        return 0.0
    if text not in anchors.shares:
        anchors.shares[text] = _longest_link_share(text, anchors)
    return anchors.shares[text]


FEW_ANCHORS = 16  # a first word with more link texts than this is looked up by position (_longest_at)


def _longest_link_share(text: str, anchors: _Anchors) -> float:
    best = 0
    for word in set(_TOKEN.findall(text)):
        group = anchors.get(word, ())
        if len(group) > FEW_ANCHORS:  # 10,000 links "News ..." tested one by one against every line: quadratic
            best = max(best, _longest_at(text, word, anchors.shapes(word), best))
            continue
        for anchor in group:
            if len(anchor) > best and anchor in text:
                best = len(anchor)
    return min(1.0, best / len(text))


def _longest_at(text: str, word: str, shapes: list[tuple[int, str, frozenset]], best: int) -> int:
    """The longest link text starting with ``word`` found in ``text`` (the same answer as testing each
    with ``in``): a link text is in the text where one of the word's occurrences is, so the text's
    slices there of each length the link texts have are looked up in a set, longest first."""
    at = []
    p = text.find(word)
    while p >= 0:
        at.append(p)
        p = text.find(word, p + 1)
    for length, lead, members in shapes:
        if length <= best:
            break
        for p in at:
            start = p - len(lead)
            if start >= 0 and text[start:start + length] in members:
                return length
    return best


def _render_lines(body) -> list[str]:
    """trafilatura's plain-text rendering, one whitespace-collapsed line per paragraph."""
    from trafilatura.xml import xmltotxt

    text = xmltotxt(body, False)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return [line for line in lines if line]


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


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


def _note(notes: list[str], note: str) -> None:
    """Record what was removed, up to MAX_NOTES entries."""
    if len(notes) < MAX_NOTES:
        notes.append(note)
    elif len(notes) == MAX_NOTES:
        notes.append("... (more removals not listed)")
