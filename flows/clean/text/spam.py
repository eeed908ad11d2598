"""Spam tokens a spam site glues onto words, found and removed."""
from __future__ import annotations

import re
from .words import _COMMON_WORDS

# ---------------------------------------------------------------------------
# Spam tokens glued onto words

_GLUE_POINT = re.compile(r"[,;:|](?=[^\W\d_])")  # punctuation with a letter right after it
_LETTERS = re.compile(r"[^\W\d_]+")
_GLUE = ",;:|"


def _glued_tokens(text: str) -> dict[str, int]:
    """Words glued to a neighbour by punctuation without a space, counted:
    the one after in "week,TOKEN the", the one before in "TOKEN:Russia"."""
    glued: dict[str, int] = {}
    for m in _GLUE_POINT.finditer(text):
        p = m.start()
        if not text[p - 1 : p].isalpha():
            continue
        after = _LETTERS.match(text, p + 1)
        e = after.end()
        if e - p > 3 and text[e : e + 1] in (" ", "\t") and text[e + 1 : e + 2].isalpha():
            tok = after.group().lower()
            glued[tok] = glued.get(tok, 0) + 1
        b = p
        while b > 0 and text[b - 1].isalpha():
            b -= 1
        if p - b >= 3 and (b == 0 or text[b - 1].isspace()):
            tok = text[b:p].lower()
            glued[tok] = glued.get(tok, 0) + 1
    return glued


MAX_SPAM_TOKENS = 20  # a spam site glues in one to a few tokens; more candidates are not spam markers


def _remove_spam_tokens(text: str, notes: list[str]) -> str:
    """Drop tokens a spam site glued onto words ("week,verdicoin the",
    "verdicoin:Russia's"): a token counts as spam when it is glued to
    punctuation without a space at least twice, never appears as a word of
    its own in the text, and is no common word. Linear in the text: words
    are counted in one pass, and at most MAX_SPAM_TOKENS tokens are removed."""
    glued = _glued_tokens(text)
    spam = [t for t, n in glued.items() if n >= 2 and t not in _COMMON_WORDS]
    if not spam:
        return text
    lower = text.lower()
    words: dict[str, int] = {}
    for m in _LETTERS.finditer(lower):  # every maximal letter run: the word as it stands alone
        w = m.group()
        if w in glued:
            words[w] = words.get(w, 0) + 1
    found = [t for t in spam if words.get(t, 0) == glued[t]]
    if not found or len(found) > MAX_SPAM_TOKENS:
        return text
    notes.append("spam token: " + ", ".join(found))
    rx = re.compile("(?i)(?:" + "|".join(map(re.escape, found)) + r")(?![^\W\d_])[,;:|]?[ \t]*")

    def drop(m: re.Match) -> str:
        before = text[m.start() - 1 : m.start()]
        if before.isalpha():
            return m.group()  # part of a longer word
        return " " if before and before in _GLUE else ""

    return rx.sub(drop, text)
