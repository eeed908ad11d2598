"""Per-article fingerprints: shingles, MinHash signature, LSH band keys, anchors.

A pure function of the texts (safe in worker processes), for a whole batch
at once: tokens are hashed in numpy (normalise.py), word k-gram shingle
hashes are combined with numpy, and MinHash signatures are computed by rensa
from the flat shingle-hash buffer (R-MinHash, ~50x faster than datasketch:
NOTES.md and bench/dedup_speed.py). Everything stays columnar (one flat array
plus offsets), so a batch costs a few numpy calls, not a loop per shingle.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import chain

import numpy as np
import pyarrow as pa
import rensa

from ..records import Article
from ..settings import Settings
from .normalise import _M, mix64, sequence_hashes, tokenise_batch
from .story_features import features as story_features

SIG_VERSION = "tok2-shingle1-rensa0.5-rminhash"
MINHASH_SEED = 42
ROWS_PER_BAND = 3  # r=3 over 128 perms: 42 bands; Jaccard 0.5 becomes a candidate with p=0.996, 0.1 with p=0.04
ANCHOR_MOD = 8  # one shingle in 8 (by hash) is an anchor: the inverted index that finds shared passages


def string_array(values: list[str]) -> pa.Array:
    """An Arrow string array made from its two buffers. ``pa.array`` (of a list or a numpy array)
    first asks whether it was given a pandas object, which imports pandas: 50 MB in each cleaning
    worker, which never uses it otherwise (``take`` builds its positions from a buffer too)."""
    data = [v.encode() for v in values]
    offsets = np.zeros(len(data) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, data), np.int64, len(data)), out=offsets[1:])
    if offsets[-1] >= 2**31:  # beyond a string array's 32-bit offsets: Arrow makes chunks itself
        return pa.array(values, pa.string())
    return pa.StringArray.from_buffers(len(data), pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(b"".join(data)))


class StoryFeatures:
    """The features of a batch of articles, columnar: every article's terms one after another in
    one Arrow string array (``offsets`` slice it per article), their weights, and each article's
    count of names. Worker processes send these instead of a dictionary per article: a few
    buffers to pickle, and the writer's process vectorises them without making a Python string
    per occurrence (stories.py); the terms are ``story_features.features()``'s."""

    __slots__ = ("terms", "weights", "offsets", "names")

    def __init__(self, terms: pa.Array, weights: np.ndarray, offsets: np.ndarray, names: np.ndarray):
        self.terms, self.weights, self.offsets, self.names = terms, weights, offsets, names

    @classmethod
    def from_pairs(cls, pairs: list[tuple[dict[str, float], int]]) -> "StoryFeatures":
        """From ``features()`` results, one (terms, names) pair per article, in order."""
        lens = np.fromiter((len(f) for f, _ in pairs), np.int64, len(pairs))
        offsets = np.zeros(len(pairs) + 1, np.int64)
        np.cumsum(lens, out=offsets[1:])
        n = int(offsets[-1])
        terms = string_array(list(chain.from_iterable(f for f, _ in pairs)))
        weights = np.fromiter(chain.from_iterable(f.values() for f, _ in pairs), np.float64, n)
        return cls(terms, weights, offsets, np.fromiter((k for _, k in pairs), np.int64, len(pairs)))

    @classmethod
    def concat(cls, parts: list["StoryFeatures"]) -> "StoryFeatures":
        """One batch's features from parts (BatchSignatures.concat), in order."""
        if len(parts) == 1:
            return parts[0]
        return cls(pa.concat_arrays([p.terms for p in parts]), np.concatenate([p.weights for p in parts]),
                   _join_offsets([(p.offsets, len(p.weights)) for p in parts]),
                   np.concatenate([p.names for p in parts]))

    def take(self, rows) -> "StoryFeatures":
        """The features of articles ``rows`` (indices, repeats allowed), in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        idx, offsets = _gather(self.offsets, rows)
        positions = pa.Array.from_buffers(pa.int64(), len(idx), [None, pa.py_buffer(idx.astype(np.int64))])
        return StoryFeatures(self.terms.take(positions), self.weights[idx], offsets,
                             self.names[rows])

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i: int) -> tuple[dict[str, float], int]:
        """Article ``i``'s (terms, names), as ``features()`` gave them."""
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return dict(zip(self.terms[a:b].to_pylist(), self.weights[a:b].tolist())), int(self.names[i])

    def to_pairs(self) -> list[tuple[dict[str, float], int]]:
        return [self[i] for i in range(len(self))]

    def __eq__(self, other) -> bool:
        return isinstance(other, StoryFeatures) and self.to_pairs() == other.to_pairs()

    def __reduce__(self):  # pickled as its buffers (an Arrow array pickles compactly)
        return StoryFeatures, (self.terms, self.weights, self.offsets, self.names)


@dataclass
class BatchSignatures:
    """Fingerprints of a batch of articles, columnar.

    ``shingles``: uint64 hashes of every paragraph's word k-grams (a paragraph
    shorter than k words is one shingle), article after article, paragraph
    after paragraph (repeats kept: sets are taken when comparing);
    ``para_offsets`` (n_paragraphs+1) slice it per paragraph,
    ``doc_para_offsets`` (n+1) slice paragraphs per article, ``doc_offsets``
    (n+1) slice shingles per article. ``para_hashes``: each paragraph's key
    (its smallest shingle hash, 63-bit: survives light edits); ``text_hashes``: of each whole text (exact copies).
    """

    article_ids: list[str]
    text_hashes: np.ndarray  # uint64 (63-bit)
    shingles: np.ndarray  # uint64
    doc_offsets: np.ndarray  # int64, n+1
    para_hashes: np.ndarray  # uint64 (63-bit), one per paragraph
    para_offsets: np.ndarray  # int64, n_paragraphs+1
    doc_para_offsets: np.ndarray  # int64, n+1
    minhash: np.ndarray  # uint32, n x num_perm
    n_tokens: np.ndarray  # int64, words per article
    story_feats: StoryFeatures  # per article: feature terms and names (story_features.py), columnar
    shingle_size: int
    num_perm: int
    _bands: np.ndarray | None = None
    _anchors: tuple | None = None

    def __len__(self) -> int:
        return len(self.article_ids)

    @classmethod
    def concat(cls, parts: list["BatchSignatures"]) -> "BatchSignatures":
        """One batch from parts computed separately (e.g. chunks in worker processes), in order."""
        if not parts:
            raise ValueError("no parts")
        if len(parts) == 1:
            return parts[0]

        out = cls(
            article_ids=[a for p in parts for a in p.article_ids],
            text_hashes=np.concatenate([p.text_hashes for p in parts]),
            shingles=np.concatenate([p.shingles for p in parts]),
            doc_offsets=_join_offsets([(p.doc_offsets, len(p.shingles)) for p in parts]),
            para_hashes=np.concatenate([p.para_hashes for p in parts]),
            para_offsets=_join_offsets([(p.para_offsets, len(p.shingles)) for p in parts]),
            doc_para_offsets=_join_offsets([(p.doc_para_offsets, len(p.para_hashes)) for p in parts]),
            minhash=np.concatenate([p.minhash for p in parts]),
            n_tokens=np.concatenate([p.n_tokens for p in parts]),
            story_feats=StoryFeatures.concat([p.story_feats for p in parts]),
            shingle_size=parts[0].shingle_size, num_perm=parts[0].num_perm,
        )
        if all(p._bands is not None for p in parts):
            out._bands = np.concatenate([p._bands for p in parts])
        if all(p._anchors is not None for p in parts):
            starts = np.cumsum([0] + [len(p) for p in parts[:-1]])
            out._anchors = (np.concatenate([p._anchors[0] + s for p, s in zip(parts, starts)]),
                            np.concatenate([p._anchors[1] for p in parts]))
        return out

    def take(self, rows) -> "BatchSignatures":
        """The signatures of articles ``rows`` (indices, repeats allowed), in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        out = _expand(self, rows, [self.article_ids[i] for i in rows])
        out.story_feats = self.story_feats.take(rows)
        return out

    def doc_shingles(self, i: int) -> np.ndarray:
        return self.shingles[self.doc_offsets[i]:self.doc_offsets[i + 1]]

    def band_keys(self) -> np.ndarray:
        """n x bands: each band's rows and the band number hashed together (63-bit)."""
        if self._bands is None:
            n = len(self)
            bands = self.num_perm // ROWS_PER_BAND
            sig = self.minhash[:, : bands * ROWS_PER_BAND].astype(np.uint64).reshape(n, bands, ROWS_PER_BAND)
            acc = np.broadcast_to(mix64(np.arange(1, bands + 1, dtype=np.uint64) * _M[7]), (n, bands))
            with np.errstate(over="ignore"):
                for j in range(ROWS_PER_BAND):
                    acc = mix64(acc ^ (sig[:, :, j] * _M[j]))
            self._bands = acc >> np.uint64(1)
        return self._bands

    def anchors(self) -> tuple[np.ndarray, np.ndarray]:
        """(article index, anchor hash) for the sampled shingles, unique per article."""
        if self._anchors is None:
            doc_of = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.doc_offsets))
            keep = (self.shingles % np.uint64(ANCHOR_MOD)) == 0
            docs, hashes = doc_of[keep], self.shingles[keep] >> np.uint64(1)
            order = np.lexsort((hashes, docs))
            docs, hashes = docs[order], hashes[order]
            first = np.ones(len(docs), dtype=bool)
            first[1:] = (docs[1:] != docs[:-1]) | (hashes[1:] != hashes[:-1])
            self._anchors = (docs[first], hashes[first])
        return self._anchors


def _batch_shingles(tokens: np.ndarray, para_lens: np.ndarray, para_hashes: np.ndarray,
                    k: int) -> tuple[np.ndarray, np.ndarray]:
    """Word k-gram hashes for every paragraph at once.

    Windows are hashed over the concatenated token hashes and the ones that
    cross a paragraph end are dropped; a paragraph shorter than k words is one
    shingle (its paragraph hash). Returns shingles and per-paragraph counts."""
    n_tok, n_par = len(tokens), len(para_lens)
    starts = np.concatenate([[0], np.cumsum(para_lens)[:-1]]).astype(np.int64) if n_par else np.empty(0, np.int64)
    long_mask = para_lens >= k
    counts = np.where(long_mask, para_lens - k + 1, 1).astype(np.int64)
    out_starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if n_par else np.empty(0, np.int64)
    out = np.empty(int(counts.sum()), dtype=np.uint64)
    short = np.nonzero(~long_mask)[0]
    out[out_starts[short]] = para_hashes[short]
    lp = np.nonzero(long_mask)[0]
    if len(lp) and n_tok >= k:
        acc = np.zeros(n_tok - k + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(k):
                acc = mix64(acc ^ (tokens[j:n_tok - k + 1 + j] * _M[j % 8]))
        lens = counts[lp]
        offs = np.arange(int(lens.sum()), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
        out[np.repeat(out_starts[lp], lens) + offs] = acc[np.repeat(starts[lp], lens) + offs]
    return out, counts


def compute_signatures(articles: list[Article], settings: Settings) -> BatchSignatures:
    """Fingerprints of a batch (pure: text in, arrays out).

    A text that occurs more than once in the batch (a wire story on many sites)
    is tokenised, shingled and MinHashed once; its copies get the same arrays.
    Story features also read the title: they are shared only by equal titles too."""
    first: dict[str, int] = {}
    inverse = np.fromiter((first.setdefault(a.text, len(first)) for a in articles), np.int64, len(articles))
    if len(first) == len(articles):
        return _compute(articles, settings)
    unique = [articles[i] for i in np.unique(inverse, return_index=True)[1]]
    out = _expand(_compute(unique, settings), inverse, [a.article_id for a in articles])
    feats: dict[tuple, tuple] = {}
    for a in articles:
        if (key := fingerprint_key(a)) not in feats:
            feats[key] = story_features(a.title, a.text)
    out.story_feats = StoryFeatures.from_pairs([feats[fingerprint_key(a)] for a in articles])
    return out


def _join_offsets(parts: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """The offsets of flat arrays joined end to end: each part's offsets (from 0) and its array's
    length, which shifts the offsets of the parts after it."""
    out, base = [np.zeros(1, np.int64)], 0
    for offsets, size in parts:
        out.append(offsets[1:] + base)
        base += size
    return np.concatenate(out)


def _gather(offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Element indices of ``rows`` (slices of a flat array by ``offsets``), and their new offsets."""
    lens = np.diff(offsets)[rows]
    new_offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    idx = np.repeat(offsets[rows] - new_offsets[:-1], lens) + np.arange(int(new_offsets[-1]), dtype=np.int64)
    return idx, new_offsets


def _expand(s: BatchSignatures, inverse: np.ndarray, article_ids: list[str]) -> BatchSignatures:
    """The batch's signatures from those of its distinct texts: row i is distinct text ``inverse[i]``
    (story features as the distinct text's: the caller puts each article's own)."""
    shingle_idx, doc_offsets = _gather(s.doc_offsets, inverse)
    para_idx, doc_para_offsets = _gather(s.doc_para_offsets, inverse)
    para_offsets = np.concatenate([[0], np.cumsum(np.diff(s.para_offsets)[para_idx])]).astype(np.int64)
    out = BatchSignatures(
        article_ids=article_ids, text_hashes=s.text_hashes[inverse], shingles=s.shingles[shingle_idx],
        doc_offsets=doc_offsets, para_hashes=s.para_hashes[para_idx], para_offsets=para_offsets,
        doc_para_offsets=doc_para_offsets, minhash=s.minhash[inverse], n_tokens=s.n_tokens[inverse],
        story_feats=s.story_feats.take(inverse), shingle_size=s.shingle_size, num_perm=s.num_perm,
    )
    out._bands = s.band_keys()[inverse]
    out.anchors()
    return out


def _compute(articles: list[Article], settings: Settings) -> BatchSignatures:
    k, num_perm = settings.shingle_size, settings.num_perm
    tb = tokenise_batch([a.text for a in articles])
    doc_tok = np.diff(tb.doc_token_offsets())
    text_hashes = sequence_hashes(tb.tokens, doc_tok)
    shingles, counts = _batch_shingles(tb.tokens, tb.para_lens, sequence_hashes(tb.tokens, tb.para_lens), k)
    para_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    # A paragraph's key is its smallest shingle hash (one MinHash value): a lightly edited
    # or spammed copy of a paragraph usually keeps the key, so frequencies survive edits.
    para_hashes = (np.minimum.reduceat(shingles, para_offsets[:-1]) >> np.uint64(1)) if len(counts) \
        else np.empty(0, np.uint64)
    doc_para_offsets = np.concatenate([[0], np.cumsum(tb.doc_paras)]).astype(np.int64)
    doc_offsets = para_offsets[doc_para_offsets]
    sigs = BatchSignatures(
        article_ids=[a.article_id for a in articles], text_hashes=text_hashes, shingles=shingles,
        doc_offsets=doc_offsets, para_hashes=para_hashes, para_offsets=para_offsets,
        doc_para_offsets=doc_para_offsets, minhash=minhash_matrix(shingles, doc_offsets, num_perm),
        n_tokens=doc_tok.astype(np.int64),
        story_feats=StoryFeatures.from_pairs([story_features(a.title, a.text) for a in articles]),
        shingle_size=k, num_perm=num_perm,
    )
    sigs.band_keys()  # computed here so worker processes do it, not the writer
    sigs.anchors()
    return sigs


def minhash_matrix(shingles: np.ndarray, doc_offsets: np.ndarray, num_perm: int) -> np.ndarray:
    """rensa R-MinHash signatures (n x num_perm, uint32) from flat shingle hashes."""
    n = len(doc_offsets) - 1
    if n == 0:
        return np.empty((0, num_perm), dtype=np.uint32)
    m = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
        np.ascontiguousarray(shingles, dtype=np.uint64), doc_offsets.astype(np.uint64), num_perm, MINHASH_SEED)
    return np.asarray(m.to_rows(), dtype=np.uint32).reshape(n, num_perm)


def fingerprint_key(article: Article) -> tuple:
    """What a fingerprint is a function of: the text (shingles, MinHash) and the title (story features)."""
    return article.title, article.text


def signatures_from_parts(articles: list[Article], parts: dict[tuple, tuple[BatchSignatures, int]],
                          settings: Settings) -> BatchSignatures:
    """The batch's signatures from ones computed earlier (by the cleaning workers): ``parts``
    maps ``fingerprint_key`` to (signatures, row); the articles without one are signed here,
    together. Equal to ``compute_signatures(articles, settings)``, array for array."""
    missing = [a for a in articles if fingerprint_key(a) not in parts]
    if len(missing) == len(articles):
        return compute_signatures(articles, settings)
    found = dict(parts)
    if missing:
        signed = compute_signatures(missing, settings)
        for i, a in enumerate(missing):
            found.setdefault(fingerprint_key(a), (signed, i))
    blocks: dict[int, int] = {}  # id(signatures) -> its first row in the concatenation
    order: list[BatchSignatures] = []
    rows = []
    for a in articles:
        sigs, row = found[fingerprint_key(a)]
        if id(sigs) not in blocks:
            blocks[id(sigs)] = sum(len(b) for b in order)
            order.append(sigs)
        rows.append(blocks[id(sigs)] + row)
    out = BatchSignatures.concat(order).take(rows)
    return replace(out, article_ids=[a.article_id for a in articles])
