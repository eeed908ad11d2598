"""A learned last pass over the extracted lines: keep the article's, drop the rest.

trafilatura and our rule filters leave page furniture that no word list
catches in every language: photo captions, author bios, reader comments,
newsletter boxes, "more on this" teasers at the end. Each rendered line is
described by a few numbers that do not depend on the page's language (its
length, whether it ends a sentence, where it sits in the text, how much of it
is a link, the tag it came from and the class/id words of its containers in
the markup, whether that is the page's main paragraph container), and a
logistic model says whether it belongs to the article.

The weights live in ``blocks.json`` beside this module, trained on the dev
sets by ``bench/train_blocks.py`` (which ``bench/clean_eval.py`` also uses to
score the model cross-validated by site). Class and id words are the
markup's vocabulary (``caption``, ``comment``, ``author``), written in English
on pages in every language, not words of the article text.
"""
from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from operator import mul
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("blocks.json")

LINE_MARKER = re.compile(r"^(?:[-*•|]\s*)+")  # list-item and table-cell marks in rendered lines
# sentence ends in the scripts of the dev sets (and closing quotes after them)
_SENTENCE_END = re.compile(r"[.!?。！？।؟…][\"'”’»)\]]*$")
_DIGIT = re.compile(r"\d")
_UPPER = re.compile(r"[A-ZÀ-ÖØ-ÞА-ЯΑ-Ω]")

# Tags a rendered line can come from, grouped.
_TAG_GROUPS = {
    "p": "p", "li": "li", "dd": "li", "dt": "li", "td": "td", "th": "td", "tr": "td",
    "h1": "h", "h2": "h", "h3": "h", "h4": "h", "h5": "h", "h6": "h",
    "figcaption": "caption", "caption": "caption", "blockquote": "quote", "pre": "quote",
}
TAGS = ("p", "li", "td", "h", "caption", "quote", "other")
_INDEXED = tuple(_TAG_GROUPS)  # (not div and span: many, and rarely where a line starts)
MAX_KEY_TOKENS = 4  # a line is found in the markup by its first words (split at whitespace)
SHORT_WORDS, SHORT_CHARS = 5, 40
SAMPLE_CHARS = 160  # character shares are read from the start of a line
MAX_LINK_WORDS = 30  # longer lines are prose: their link share is not looked up
ANCESTOR_LEVELS = 6  # class/id words of the element and its containers up to here

# Class/id words of the line's element and its near containers, by what they
# mark: a word of the class or id (split at non-letters and case changes)
# starting with one of these stems.
CLASS_GROUPS = {
    "caption": ("caption", "credit", "figure", "photo", "image", "img", "media", "gallery", "video", "embed"),
    "comment": ("comment", "reply", "replies", "discuss", "disqus", "forum", "message", "user"),
    "author": ("author", "byline", "bio", "profile", "contributor", "writer", "reporter"),
    "promo": ("newsletter", "subscri", "signup", "promo", "cta", "offer", "donat", "paywall", "member", "register"),
    "related": ("related", "recommend", "more", "read", "also", "teaser", "trending", "popular", "next", "widget",
                "card", "list", "feed", "outbrain", "taboola"),
    "social": ("share", "social", "follow", "tweet", "twitter", "facebook"),
    "ad": ("ad", "ads", "advert", "sponsor", "banner", "commercial", "dfp", "gpt"),
    "aside": ("aside", "sidebar", "rail", "footer", "bottom", "nav", "menu", "breadcrumb", "tag", "tags", "topic"),
    "body": ("article", "content", "body", "story", "text", "entry", "post", "main", "paragraph", "rich", "prose"),
    "meta": ("meta", "date", "time", "info", "detail", "source", "dateline", "byline", "kicker", "label"),
}
_CLASS_WORD = re.compile(r"[A-Z]?[a-z]+|[0-9]+")
_STEMS = tuple((stem, name) for name, stems in CLASS_GROUPS.items() for stem in stems)
CLASS_LEVELS = 3  # the element and its containers up to here give class words
_CONTAINER_TAGS = {"figure": "caption", "aside": "aside", "footer": "aside", "nav": "aside", "header": "meta"}

FEATURES = (
    "bias", "log_chars", "log_words", "sentence_end", "colon_end", "short",
    "position", "first", "last", "log_lines_after", "log_lines_before", "text_share", "rel_length",
    "link_share", "list_item", "table_cell", "digit_share", "upper_share", "no_letters",
    *(f"tag_{t}" for t in TAGS), "found", "in_main",
    *(f"class_{g}" for g in CLASS_GROUPS), *(f"in_{g}" for g in ("caption", "aside", "meta")),
    "prev_sentence_end", "next_sentence_end", "prev_short", "next_short",
    "after_main", "before_main", "prev_in_main", "next_in_main", "main_after", "ends_after", "main_share",
)


@lru_cache(maxsize=1)
def model() -> dict | None:
    """The shipped weights, or None when there is no model file (every line kept)."""
    if not MODEL_FILE.exists():
        return None
    found = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    return found if found.get("features") == list(FEATURES) else None


def source_index(tree) -> dict[str, object]:
    """The page's block elements by their first words, to find where a
    rendered line came from (trafilatura's output keeps no link to the markup)."""
    index: dict[str, object] = {}
    for el in tree.iter(*_INDEXED):
        text = el.text
        words = text.split(None, MAX_KEY_TOKENS) if text else ()
        if len(words) <= MAX_KEY_TOKENS and len(el):
            # the element's own text is short (or its last word may go on in a child): all its text
            words = el.text_content().split(None, MAX_KEY_TOKENS)
        if words:
            index[" ".join(words[:MAX_KEY_TOKENS])] = el  # later (deeper) elements win
    return index


def _find(index: dict, words: list[str]):
    for n in range(min(MAX_KEY_TOKENS, len(words)), 0, -1):
        el = index.get(" ".join(words[:n]))
        if el is not None:
            return el
        if n <= 2:
            break
    return None


_WORD_GROUPS: dict[str, tuple[str, ...]] = {}


@lru_cache(maxsize=4096)
def _class_groups(label: str) -> frozenset[str]:
    """The groups of ``CLASS_GROUPS`` whose stems start a word of ``label``."""
    out: set[str] = set()
    for word in _CLASS_WORD.findall(label):
        groups = _WORD_GROUPS.get(word)
        if groups is None:
            lower = word.lower()
            groups = _WORD_GROUPS[word] = tuple({name for stem, name in _STEMS if lower.startswith(stem)})
        out.update(groups)
    return frozenset(out)


_POS = {name: i for i, name in enumerate(FEATURES)}
_TAG_POS = {tag: _POS[f"tag_{group}"] for tag, group in _TAG_GROUPS.items()}
_CONTAINER_POS = {tag: _POS[f"in_{group}"] for tag, group in _CONTAINER_TAGS.items()}
_CLASS_POS = {name: _POS[f"class_{name}"] for name in CLASS_GROUPS}


def _markup_features(el, top) -> tuple[int, ...]:
    """Positions of the markup features that are 1 for a line from ``el``."""
    if el is None:
        return (_POS["tag_other"],)
    out = [_POS["found"], _TAG_POS.get(el.tag, _POS["tag_other"])]
    labels = []
    node, level = el, 0
    while node is not None and level < ANCESTOR_LEVELS:
        if node is top:
            out.append(_POS["in_main"])
        tag = node.tag
        if tag in _CONTAINER_POS:
            out.append(_CONTAINER_POS[tag])
        if level < CLASS_LEVELS:
            labels.append(node.get("class") or "")
            labels.append(node.get("id") or "")
        node = node.getparent()
        level += 1
    out.extend(_CLASS_POS[name] for name in _class_groups(" ".join(labels)))
    return tuple(out)


def line_features(lines: list[str], index: dict, top, link_share) -> list[list[float]]:
    """One feature vector (``FEATURES`` order) per rendered line."""
    n = len(lines)
    cores = [LINE_MARKER.sub("", line) for line in lines]
    counts = [len(core.split()) for core in cores]
    total = sum(len(c) for c in cores) or 1
    lengths = sorted(len(c) for c in cores)
    median = lengths[n // 2] if n else 1
    ends = [1.0 if _SENTENCE_END.search(c) else 0.0 for c in cores]
    # short: a few words, and few characters (Chinese and Japanese put no spaces between words)
    shorts = [1.0 if count < SHORT_WORDS and len(core) < SHORT_CHARS else 0.0 for count, core in zip(counts, cores)]
    out: list[list[float]] = []
    previous: tuple[int, ...] = ()
    log1p = math.log1p
    for i, (line, core, count) in enumerate(zip(lines, cores, counts)):
        chars = len(core)
        sample = core[:SAMPLE_CHARS]
        letters = sum(map(str.isalpha, sample))
        vector = [
            1.0,  # bias
            log1p(chars),
            log1p(count),
            ends[i],
            1.0 if core.endswith(":") else 0.0,
            shorts[i],
            i / (n - 1) if n > 1 else 0.0,  # position
            1.0 if i == 0 else 0.0,
            1.0 if i == n - 1 else 0.0,
            log1p(n - 1 - i),
            log1p(i),
            chars / total,
            math.log((chars + 1) / (median + 1)),
            link_share(core) if count <= MAX_LINK_WORDS else 0.0,
            1.0 if line.startswith(("- ", "* ", "• ")) else 0.0,
            1.0 if line.startswith("|") else 0.0,
            len(_DIGIT.findall(sample)) / (len(sample) or 1),
            len(_UPPER.findall(sample)) / (letters or 1),
            1.0 if letters == 0 else 0.0,
        ]
        vector.extend([0.0] * (len(FEATURES) - len(vector)))
        vector[_POS["prev_sentence_end"]] = ends[i - 1] if i else 1.0
        vector[_POS["next_sentence_end"]] = ends[i + 1] if i + 1 < n else 1.0
        vector[_POS["prev_short"]] = shorts[i - 1] if i else 0.0
        vector[_POS["next_short"]] = shorts[i + 1] if i + 1 < n else 0.0
        el = _find(index, core.replace("|", " ").split(None, MAX_KEY_TOKENS)[:MAX_KEY_TOKENS])  # a row: its cells
        if el is not None or not i:
            previous = _markup_features(el, top)
        # else: a line split off by <br>, from where the previous one came from
        for at in previous:
            vector[at] = 1.0
        out.append(vector)
    _sequence_features(out, _POS, ends)
    return out


def _sequence_features(vectors: list[list[float]], position: dict[str, int], ends: list[bool]) -> None:
    """Where each line sits relative to the lines from the main container."""
    n = len(vectors)
    in_main = [v[position["in_main"]] for v in vectors]
    inside = [i for i in range(n) if in_main[i]]
    first, last = (inside[0], inside[-1]) if inside else (n, -1)
    main_after = 0.0
    ends_after = 0.0
    for i in range(n - 1, -1, -1):
        v, after = vectors[i], n - 1 - i
        v[position["after_main"]] = float(i > last)
        v[position["before_main"]] = float(i < first)
        v[position["prev_in_main"]] = in_main[i - 1] if i else 1.0
        v[position["next_in_main"]] = in_main[i + 1] if i + 1 < n else 1.0
        v[position["main_after"]] = main_after / after if after else 1.0
        v[position["ends_after"]] = ends_after / after if after else 1.0
        v[position["main_share"]] = len(inside) / n
        main_after += in_main[i]
        ends_after += ends[i]


def keep_probability(vector: list[float], weights: list[float]) -> float:
    z = sum(map(mul, weights, vector))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


MAX_DROP_SHARE = 0.5  # the model trims furniture: if it would drop more of the text than this, it keeps all


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1.0 - 1e-9)
    return math.log(p / (1.0 - p))


def tail_start(probabilities: list[float], threshold: float) -> int:
    """Where the page's tail of furniture starts (``len(probabilities)``: no tail).

    Lines are judged one by one, but what follows an article (bios,
    newsletter boxes, reader comments, teaser lists) comes as one run in
    which a few lines look like prose. The tail is the run of lines, up to
    the last, whose summed evidence against the article (the log-odds below
    the keep threshold) is largest; it is cut when that sum is positive, so
    a prose-like line inside a run of furniture goes with it, and a single
    doubtful line at the end does not pull article text with it. Never the
    first line. No word of any language is involved."""
    n = len(probabilities)
    centre = _logit(threshold if threshold > 0 else 0.5)
    total, best, start = 0.0, 0.0, n
    for i in range(n - 1, 0, -1):
        total += centre - _logit(probabilities[i])
        if total > best:
            best, start = total, i
    return start


def keep_mask(vectors: list[list[float]], chosen: dict, lines: list[str] | None = None) -> list[bool]:
    """Which lines the model keeps: each line above the threshold, none in
    the tail (``tail_start``, when ``chosen`` says ``tail_cut``); all of
    them when it would keep none, or drop more than ``MAX_DROP_SHARE`` of
    the characters of ``lines``."""
    probabilities = [keep_probability(v, chosen["weights"]) for v in vectors]
    mask = [p >= chosen["threshold"] for p in probabilities]
    if chosen.get("tail_cut"):
        start = tail_start(probabilities, chosen["threshold"])
        mask[start:] = [False] * (len(mask) - start)
    if not any(mask):
        return [True] * len(vectors)
    if lines is not None:
        total = sum(len(line) for line in lines)
        dropped = sum(len(line) for line, keep in zip(lines, mask) if not keep)
        if dropped > MAX_DROP_SHARE * total:
            return [True] * len(vectors)
    return mask


def apply(lines: list[str], vectors: list[list[float]], chosen: dict | None) -> str:
    """The text kept of these rendered lines under the model ``chosen`` (all of it without one)."""
    if not chosen or not lines or not vectors:
        return "\n\n".join(lines)
    mask = keep_mask(vectors, chosen, lines)
    return "\n\n".join(line for line, keep in zip(lines, mask) if keep)
