"""What an article says that tells its event apart, in any language with words.

No word list, no language model: an article's features are its word types
(lower-cased ``\\w+`` tokens of the title and the lead), each with a prior
weight from signals that hold across scripts with letter case and digits:

- names: a word the article only ever writes capitalised (Lavrov, Пхеньян,
  U.S.) names someone or somewhere; a word that is also written lower-case
  (The/the, Однако/однако) is an ordinary word that started a sentence;
- numbers: tokens with a digit (magnitudes, tolls, sums, years);
- title words: the headline says what the event is.

How rare a word is (the corpus side of its weight) is applied later, from
document frequencies kept in DuckDB (stories.py), because it depends on the
stored corpus, not on the article. Pure function of the text: runs in the
signature worker processes.
"""
from __future__ import annotations

import math
import re
from collections import Counter

import regex

LEAD_CHARS = 2000  # the lead says who, where and when; the tail adds words, not distinctions
NAME_BOOST = 2.5
NUMBER_BOOST = 1.5
TITLE_BOOST = 4.0
MAX_TERM_CHARS = 40
_YO = str.maketrans("ёЁ", "еЕ")  # ё is mostly written е
PREFIX_CHARS = 5  # a word's first letters stand for it: Свердловская/Свердловской, sugar/sugary (no stemmer per language)

_TOKEN = re.compile(r"[^\W_]+(?:[.-][^\W_]+)*")  # apostrophes split: Delhi's, l'homme
# A token written with a capital first letter (any cased script).
_CAPITAL = regex.compile(r"(?<![\w.-])\p{Lu}[^\W_]*(?:[.-][^\W_]+)*")
_DIGIT = re.compile(r"\d")
# Scripts written without spaces: a run of these letters is a phrase, so it becomes character bigrams.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")
_SUBLINEAR = [0.0] + [1.0 + math.log(c) for c in range(1, 256)]


def _tokens(text: str) -> list[str]:
    toks = _TOKEN.findall(text)
    if not _UNSPACED.search(text):
        return toks
    out = []
    for t in toks:
        if _UNSPACED.search(t):
            out += [t[i:i + 2] for i in range(len(t) - 1)]
        else:
            out.append(t)
    return out


def features(title: str | None, text: str, prefix_chars: int = PREFIX_CHARS, name_boost: float = NAME_BOOST,
             title_boost: float = TITLE_BOOST) -> tuple[dict[str, float], int]:
    """(term -> prior weight: sublinear count times the boosts above, number of names).

    Word forms sharing their first ``prefix_chars`` letters are one term (the heaviest form's weight).
    Written for speed (it runs on every article): regex scans and set algebra, few Python steps per word."""
    body = text[:LEAD_CHARS].translate(_YO)
    counts = Counter(_tokens(body.lower()))
    out = {t: (_SUBLINEAR[c] if c < 256 else 1.0 + math.log(c)) for t, c in counts.items()
           if len(t) <= MAX_TERM_CHARS and (len(t) >= 2 or t.isdigit())}
    numbers = [t for t in out if not t.isalpha() and _DIGIT.search(t)]
    for t in numbers:
        out[t] *= NUMBER_BOOST
    caps = Counter(c.lower() for c in _CAPITAL.findall(body))  # a name: every occurrence capitalised
    names = [t for t, c in caps.items() if counts.get(t) == c and t in out and not _DIGIT.search(t)]
    for t in names:
        out[t] *= name_boost
    # title words in the order written (a set's order would differ between processes, and order breaks ties)
    for t in (dict.fromkeys(w.lower() for w in _tokens(title.translate(_YO))) if title else ()):
        if 2 <= len(t) <= MAX_TERM_CHARS:
            out[t] = out.get(t, 1.0) * title_boost
    if not prefix_chars:
        return out, len(names)
    merged: dict[str, float] = {}
    for t, w in out.items():
        k = t if len(t) <= prefix_chars or t[0].isdigit() else t[:prefix_chars]
        if w > merged.get(k, 0.0):
            merged[k] = w
    return merged, len(names)
