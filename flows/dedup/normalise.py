"""Text normalisation shared by exact hashing, shingling and story features.

Copies of one article differ in case, whitespace, punctuation and quote
styles (``'`` vs ``’``), so all of them are reduced to lower-case word tokens
before anything is hashed. Paragraphs (blank-line separated, as the clean
stage writes them) are kept apart: shingles never span two paragraphs, which
lets a shingle be traced back to its paragraph (template detection).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

_WORD = re.compile(r"\w+")
_PARA_SPLIT = re.compile(r"\n\s*\n")


def normalise(text: str) -> str:
    """NFKC + case folding; punctuation and quotes are dropped by tokenising."""
    return unicodedata.normalize("NFKC", text).casefold()


def paragraph_tokens(text: str) -> list[list[str]]:
    """Word tokens per non-empty paragraph of the normalised text."""
    out = []
    for para in _PARA_SPLIT.split(normalise(text)):
        toks = _WORD.findall(para)
        if toks:
            out.append(toks)
    return out


def exact_key(paragraphs: list[list[str]]) -> str:
    """The text as seen by the exact-copy test: tokens only, one space apart
    (paragraph breaks are layout, not content)."""
    return " ".join(" ".join(p) for p in paragraphs)


def text_hash(paragraphs: list[list[str]]) -> int:
    """A stable 63-bit hash of ``exact_key`` (fits BIGINT and UBIGINT)."""
    digest = hashlib.blake2b(exact_key(paragraphs).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1
