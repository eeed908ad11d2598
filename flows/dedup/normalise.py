"""Text normalisation and tokenising for a whole batch at once, in numpy.

Copies of one article differ in case, whitespace, punctuation and quote
styles (``'`` vs ``’``), so texts are reduced to word tokens first: NFKC and
case folding in Python (C speed, one call per text), then one byte buffer for
the batch where word bytes are ASCII letters/digits/underscore and any
non-ASCII character except the Latin-1 and General Punctuation blocks (curly
quotes, dashes, no-break spaces, « »). Each token becomes a stable 64-bit hash
computed with array operations, never a Python string per word: this is what
keeps the dedup stage above 5,000 articles/s.

Paragraphs (blank-line separated, as the clean stage writes them) are kept:
shingles never span two paragraphs, so each shingle belongs to a paragraph
and template paragraphs can be discounted.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

_M = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
               0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
              dtype=np.uint64)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads combined hashes over all 64 bits (stable, pure arithmetic)."""
    x = np.asarray(x, dtype=np.uint64).copy()
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


_P = np.uint64(0x100000001B3)  # odd: invertible modulo 2^64
_P_INV = np.uint64(pow(int(_P), -1, 2**64))
_WORD_BYTE = np.zeros(256, dtype=bool)
for _c in b"0123456789abcdefghijklmnopqrstuvwxyz_ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _WORD_BYTE[_c] = True
_WORD_BYTE[0x80:] = True
DOC_SEP = "\x01"


@dataclass
class TokenBatch:
    """Token hashes of a batch: ``tokens`` flat; ``para_lens`` tokens per
    paragraph (non-empty paragraphs only); ``doc_paras`` paragraphs per text."""

    tokens: np.ndarray  # uint64
    para_lens: np.ndarray  # int64
    doc_paras: np.ndarray  # int64

    def doc_token_offsets(self) -> np.ndarray:
        para_end = np.concatenate([[0], np.cumsum(self.para_lens)])
        return para_end[np.concatenate([[0], np.cumsum(self.doc_paras)])].astype(np.int64)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def tokenise_batch(texts: list[str]) -> TokenBatch:
    """Word-token hashes for many texts, with paragraph and text boundaries."""
    n_docs = len(texts)
    buf = np.frombuffer(DOC_SEP.join(normalise(t) for t in texts).encode("utf-8", "replace"), dtype=np.uint8)
    if buf.size == 0:
        return TokenBatch(np.empty(0, np.uint64), np.empty(0, np.int64), np.zeros(n_docs, np.int64))
    word = _WORD_BYTE[buf]
    # U+0080-U+00BF (Latin-1 punctuation, NBSP) and U+2000-U+207F (quotes, dashes, ...) are separators
    c2 = np.nonzero(buf[:-1] == 0xC2)[0]
    word[c2] = False
    word[c2 + 1] = False
    e2 = np.nonzero((buf[:-2] == 0xE2) & ((buf[1:-1] == 0x80) | (buf[1:-1] == 0x81)))[0]
    for k in range(3):
        word[e2 + k] = False
    w8 = word.view(np.int8)
    edges = np.empty(len(word) + 1, dtype=np.int8)
    edges[0] = w8[0]
    np.subtract(w8[1:], w8[:-1], out=edges[1:-1])
    edges[-1] = -w8[-1]
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    lens = ends - starts
    n_tok = len(starts)
    # Token hash = polynomial hash of its bytes, from prefix sums: H[i] = sum_{j<i} (b_j+1) P^j
    # (mod 2^64); a token [s, e) hashes to (H[e] - H[s]) * P^-s, P odd so invertible mod 2^64.
    with np.errstate(over="ignore"):
        powers = _powers(_P, len(buf) + 1)
        prefix = np.zeros(len(buf) + 1, dtype=np.uint64)
        np.cumsum((buf.astype(np.uint64) + np.uint64(1)) * powers[:-1], out=prefix[1:])
        inverse = _powers(_P_INV, len(buf) + 1)
        tokens = mix64(((prefix[ends] - prefix[starts]) * inverse[starts]) ^ (lens.astype(np.uint64) * _M[0]))
    # boundaries: a text separator, or two newlines since the previous token, start a paragraph
    nl_pos = np.flatnonzero(buf == 10)
    doc_of_tok = np.searchsorted(np.flatnonzero(buf == 1), starts)
    new_para = np.ones(n_tok, dtype=bool)
    if n_tok > 1:
        nl_before = np.searchsorted(nl_pos, starts)
        new_para[1:] = ((nl_before[1:] - nl_before[:-1]) >= 2) | (doc_of_tok[1:] != doc_of_tok[:-1])
    para_start_idx = np.nonzero(new_para)[0]
    para_lens = np.diff(np.append(para_start_idx, n_tok)).astype(np.int64)
    doc_paras = np.bincount(doc_of_tok[para_start_idx], minlength=n_docs).astype(np.int64)
    return TokenBatch(tokens=tokens, para_lens=para_lens, doc_paras=doc_paras)


def _powers(base: np.uint64, n: int, block: int = 1024) -> np.ndarray:
    """base**i modulo 2^64 for i < n: the values a running product gives, from two short running
    products and one multiplication per element (numpy's cumprod over a whole batch's bytes was
    a third of the tokeniser's time)."""
    with np.errstate(over="ignore"):
        small = np.full(block, base, dtype=np.uint64)
        small[0] = 1
        np.cumprod(small, out=small)  # base**r, r < block
        big = np.full(-(-n // block), small[-1] * np.uint64(base), dtype=np.uint64)
        big[0] = 1
        np.cumprod(big, out=big)  # base**(block * q)
        return (big[:, None] * small[None, :]).ravel()[:n]


def sequence_hashes(tokens: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """One order-sensitive 63-bit hash per run of tokens (paragraphs, or whole texts).

    Runs of length 0 hash to a constant (an empty text)."""
    n = len(lens)
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    pos = np.arange(len(tokens), dtype=np.int64) - np.repeat(starts, lens)
    with np.errstate(over="ignore"):
        t = mix64(tokens ^ (pos.astype(np.uint64) * _M[3]))
        sums = np.zeros(n, dtype=np.uint64)
        nz = lens > 0
        if nz.any():
            sums[nz] = np.add.reduceat(t, starts[nz])
        return mix64(sums ^ (lens.astype(np.uint64) * _M[5])) >> np.uint64(1)
