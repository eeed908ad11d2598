"""Per-article fingerprints: shingles, MinHash signature, LSH band keys, anchors.

Computed from the text alone (a pure function, safe in worker processes), for
a whole batch at once: token hashes come from rensa (stable, in Rust), word
k-gram shingle hashes are combined with numpy, and the MinHash signatures are
computed by rensa from the flat shingle-hash buffer (~50x faster than
datasketch, NOTES.md). Everything is kept columnar (one flat array plus
offsets) so a batch costs a few numpy calls, not a Python loop per shingle.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import rensa

from ..records import Article
from ..settings import Settings
from .normalise import paragraph_tokens, text_hash

SIG_VERSION = "rensa-rminhash-0.5/v1"
MINHASH_SEED = 42
ROWS_PER_BAND = 3  # r=3 over 128 perms: 42 bands; a pair at Jaccard 0.5 becomes a candidate with p=0.996
ANCHOR_MOD = 8  # one shingle in 8 (by hash) is an anchor: the inverted index for shared passages

_M = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
               0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
              dtype=np.uint64)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads combined hashes over all 64 bits."""
    x = x.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


@dataclass
class BatchSignatures:
    """Fingerprints of a batch of articles, columnar.

    ``shingles``: uint64 hashes of every paragraph's word k-grams, article
    after article, paragraph after paragraph, deduplicated within a paragraph;
    ``doc_offsets`` (n+1) slice it per article, ``para_offsets`` per
    paragraph (global), ``doc_para_offsets`` (n+1) slice paragraphs per
    article. ``para_hashes``: one uint64 per paragraph (its token sequence).
    """

    article_ids: list[str]
    text_hashes: np.ndarray  # int64 (63-bit)
    shingles: np.ndarray  # uint64
    doc_offsets: np.ndarray  # int64, n+1
    para_hashes: np.ndarray  # uint64, one per paragraph
    para_offsets: np.ndarray  # int64, n_paragraphs+1, into shingles
    doc_para_offsets: np.ndarray  # int64, n+1, into para_hashes
    minhash: np.ndarray  # uint32, n x num_perm
    shingle_size: int
    num_perm: int

    def __len__(self) -> int:
        return len(self.article_ids)

    def doc_shingles(self, i: int) -> np.ndarray:
        return self.shingles[self.doc_offsets[i]:self.doc_offsets[i + 1]]

    def band_keys(self) -> np.ndarray:
        """n x bands uint64: each band's rows (and the band number) hashed together."""
        n = len(self)
        bands = self.num_perm // ROWS_PER_BAND
        sig = self.minhash[:, : bands * ROWS_PER_BAND].astype(np.uint64).reshape(n, bands, ROWS_PER_BAND)
        with np.errstate(over="ignore"):
            acc = np.arange(bands, dtype=np.uint64)[None, :] * _M[7]
            for j in range(ROWS_PER_BAND):
                acc = mix64(acc ^ (sig[:, :, j] * _M[j]))
        return acc >> np.uint64(1)  # 63 bits: fits BIGINT

    def anchors(self) -> tuple[np.ndarray, np.ndarray]:
        """(article index, anchor hash) for the sampled shingles, unique per article."""
        doc_of = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.doc_offsets))
        keep = (self.shingles % np.uint64(ANCHOR_MOD)) == 0
        pairs = np.unique(np.stack([doc_of[keep].astype(np.uint64), self.shingles[keep]], axis=1), axis=0) \
            if keep.any() else np.empty((0, 2), dtype=np.uint64)
        return pairs[:, 0].astype(np.int64), (pairs[:, 1] >> np.uint64(1)).astype(np.int64)


def _shingle_hashes(token_hashes: np.ndarray, k: int) -> np.ndarray:
    """Hashes of the k-grams of one paragraph's token hashes (one shingle for a shorter paragraph)."""
    n = len(token_hashes)
    if n <= k:
        acc = np.zeros(1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(n):
                acc = mix64(acc ^ (token_hashes[j:j + 1] * _M[j % 8]))
        return acc
    acc = np.zeros(n - k + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            acc = mix64(acc ^ (token_hashes[j:n - k + 1 + j] * _M[j % 8]))
    return acc


def _batch_shingles(all_tokens: np.ndarray, para_lens: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised k-gram hashes for every paragraph at once.

    Windows are computed over the concatenated token hashes, then the ones
    crossing a paragraph end are dropped; paragraphs shorter than k words give
    one shingle of all their tokens. Returns shingles and per-paragraph counts."""
    n_tok = len(all_tokens)
    n_par = len(para_lens)
    starts = np.zeros(n_par, dtype=np.int64)
    if n_par:
        np.cumsum(para_lens[:-1], out=starts[1:])
    long_mask = para_lens >= k
    counts = np.where(long_mask, para_lens - k + 1, 1).astype(np.int64)
    out = np.empty(int(counts.sum()), dtype=np.uint64)
    out_starts = np.zeros(n_par, dtype=np.int64)
    if n_par:
        np.cumsum(counts[:-1], out=out_starts[1:])
    if n_tok >= k:
        acc = np.zeros(n_tok - k + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(k):
                acc = mix64(acc ^ (all_tokens[j:n_tok - k + 1 + j] * _M[j % 8]))
        # for each long paragraph, its windows are acc[start : start+len-k+1]
        lp = np.nonzero(long_mask)[0]
        if len(lp):
            lens = counts[lp]
            src = np.repeat(starts[lp] - out_starts[lp], lens) + np.arange(int(lens.sum()), dtype=np.int64) \
                + np.repeat(out_starts[lp], lens) - np.repeat(out_starts[lp], lens)
            # src index = start + offset within paragraph; build it directly
            offs = np.arange(int(lens.sum()), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
            src = np.repeat(starts[lp], lens) + offs
            dst = np.repeat(out_starts[lp], lens) + offs
            out[dst] = acc[src]
    for p in np.nonzero(~long_mask)[0]:
        out[out_starts[p]] = _shingle_hashes(all_tokens[starts[p]:starts[p] + para_lens[p]], k)[0]
    return out, counts


def compute_signatures(articles: list[Article], settings: Settings) -> BatchSignatures:
    """Fingerprints of a batch (pure: text in, arrays out)."""
    k, num_perm = settings.shingle_size, settings.num_perm
    paras_per_doc = [paragraph_tokens(a.text) for a in articles]
    text_hashes = np.array([text_hash(p) for p in paras_per_doc], dtype=np.int64)
    flat_paras = [p for doc in paras_per_doc for p in doc]
    para_lens = np.array([len(p) for p in flat_paras], dtype=np.int64)
    tok_lists = rensa.RMinHash.hash_token_sets(flat_paras) if flat_paras else []
    all_tokens = np.fromiter((h for toks in tok_lists for h in toks), dtype=np.uint64, count=int(para_lens.sum()))
    # paragraph hash: its token sequence (k = whole paragraph)
    para_starts = np.concatenate([[0], np.cumsum(para_lens)]).astype(np.int64)
    raw_shingles, counts = _batch_shingles(all_tokens, para_lens, k)
    para_hashes = np.empty(len(flat_paras), dtype=np.uint64)
    for i in range(len(flat_paras)):
        seg = all_tokens[para_starts[i]:para_starts[i + 1]]
        para_hashes[i] = _hash_seq(seg)
    # dedupe shingles within each paragraph (keep first occurrence order irrelevant: sort)
    shingles_parts, new_counts = [], np.empty(len(flat_paras), dtype=np.int64)
    sh_starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    for i in range(len(flat_paras)):
        u = np.unique(raw_shingles[sh_starts[i]:sh_starts[i + 1]])
        shingles_parts.append(u)
        new_counts[i] = len(u)
    shingles = np.concatenate(shingles_parts) if shingles_parts else np.empty(0, dtype=np.uint64)
    para_offsets = np.concatenate([[0], np.cumsum(new_counts)]).astype(np.int64)
    n_paras = np.array([len(p) for p in paras_per_doc], dtype=np.int64)
    doc_para_offsets = np.concatenate([[0], np.cumsum(n_paras)]).astype(np.int64)
    doc_offsets = para_offsets[doc_para_offsets]
    minhash = _minhash(shingles, doc_offsets, num_perm)
    return BatchSignatures(
        article_ids=[a.article_id for a in articles], text_hashes=text_hashes, shingles=shingles,
        doc_offsets=doc_offsets, para_hashes=para_hashes, para_offsets=para_offsets,
        doc_para_offsets=doc_para_offsets, minhash=minhash, shingle_size=k, num_perm=num_perm,
    )


def _hash_seq(seg: np.ndarray) -> np.uint64:
    acc = np.zeros(1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(len(seg)):
            acc = mix64(acc ^ (seg[j:j + 1] * _M[j % 8]))
    return acc[0]


def _minhash(shingles: np.ndarray, doc_offsets: np.ndarray, num_perm: int) -> np.ndarray:
    n = len(doc_offsets) - 1
    if n == 0:
        return np.empty((0, num_perm), dtype=np.uint32)
    m = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
        shingles, doc_offsets.astype(np.uint64), num_perm, MINHASH_SEED)
    return np.asarray(m.to_rows(), dtype=np.uint32).reshape(n, num_perm)
