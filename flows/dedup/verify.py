"""Exact verification of candidate pairs on their shingle sets.

MinHash/LSH only proposes pairs; the verdict comes from the real shingle
sets. Jaccard alone cannot tell a copy trimmed to two thirds (Jaccard 0.67)
from two stories sharing a long boilerplate block, so the measure is
*containment*: how much of the shorter article's content the longer one
holds. Paragraphs that recur across many articles while the rest of the
article does not (an "About the company" block, a disclaimer, a newsletter
blurb: template text) are left out of both sides first. A syndicated story
repeated N times is not template text: its paragraphs are only as frequent
as the article's other paragraphs (the test is relative to the article's
median paragraph frequency).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TEMPLATE_MIN_DOCS = 4  # a paragraph held by fewer articles is never template text
TEMPLATE_RATIO = 4.0  # ... and must be this many times more frequent than the article's median paragraph
MIN_CONTENT = 8  # shingles: below this the template discount is not applied (too little left)
MIN_LENGTH_RATIO = 0.4  # a copy keeps at least this share of the longer text's content
PASSAGE_MIN_SHINGLES = 12  # shared content shingles for a pair to be recorded as sharing passages


@dataclass
class DocData:
    """What verification needs of one article (new, or loaded from dedup_docs)."""

    doc_no: int
    article_id: str
    text_hash: int
    shingles: np.ndarray  # uint32, paragraph after paragraph
    para_ends: np.ndarray  # uint32, end offset of each paragraph
    para_hashes: np.ndarray  # int64
    published_date: object = None
    ingested_at: object = None
    _cache: tuple | None = None

    def sets(self, df: dict[int, int]) -> tuple[np.ndarray, np.ndarray, int]:
        """(all shingles, content shingles, template shingle count), sorted unique."""
        if self._cache is None:
            self._cache = content_sets(self.shingles, self.para_ends, self.para_hashes, df)
        return self._cache


def template_paragraphs(para_hashes: np.ndarray, df: dict[int, int]) -> np.ndarray:
    """Boolean per paragraph: frequent across articles, and much more so than this article's own text."""
    if len(para_hashes) == 0:
        return np.zeros(0, dtype=bool)
    freq = np.array([df.get(int(h), 1) for h in para_hashes], dtype=np.float64)
    median = float(np.sort(freq)[(len(freq) - 1) // 2])  # lower median: a 2-paragraph brief + block counts as 1
    return (freq >= TEMPLATE_MIN_DOCS) & (freq >= TEMPLATE_RATIO * median)


def content_sets(shingles: np.ndarray, para_ends: np.ndarray, para_hashes: np.ndarray,
                 df: dict[int, int]) -> tuple[np.ndarray, np.ndarray, int]:
    all_set = np.unique(shingles)
    templ = template_paragraphs(para_hashes, df)
    if not templ.any():
        return all_set, all_set, 0
    starts = np.concatenate([[0], para_ends[:-1]]).astype(np.int64)
    lens = para_ends.astype(np.int64) - starts
    in_template = np.repeat(templ, lens)
    content = np.unique(shingles[~in_template])
    template_only = np.setdiff1d(np.unique(shingles[in_template]), content, assume_unique=True)
    if len(content) < MIN_CONTENT:
        return all_set, all_set, 0
    return all_set, content, len(template_only)


@dataclass
class PairResult:
    a_no: int
    b_no: int
    kind: str  # exact | near | passage | none
    is_copy: bool
    similarity: float  # containment of the shorter content in the longer
    jaccard: float
    shared: int
    shared_template: int
    length_ratio: float
    share_a: float
    share_b: float


def verify_pair(a: DocData, b: DocData, df: dict[int, int], threshold: float) -> PairResult:
    """The verdict on one pair (a.doc_no < b.doc_no)."""
    if a.text_hash == b.text_hash:
        n = len(np.unique(a.shingles))
        return PairResult(a.doc_no, b.doc_no, "exact", True, 1.0, 1.0, n, 0, 1.0, 1.0, 1.0)
    all_a, con_a, _ = a.sets(df)
    all_b, con_b, _ = b.sets(df)
    shared = len(np.intersect1d(con_a, con_b, assume_unique=True))
    shared_all = len(np.intersect1d(all_a, all_b, assume_unique=True))
    na, nb = len(con_a), len(con_b)
    small, large = min(na, nb), max(na, nb)
    containment = shared / small if small else 0.0
    ratio = small / large if large else 0.0
    union = na + nb - shared
    jaccard = shared / union if union else 0.0
    is_copy = containment >= threshold and ratio >= MIN_LENGTH_RATIO
    if is_copy:
        kind = "near"
    elif shared >= PASSAGE_MIN_SHINGLES:
        kind = "passage"
    else:
        kind = "none"
    return PairResult(
        a.doc_no, b.doc_no, kind, is_copy, round(min(containment, 1.0), 6), round(jaccard, 6), shared,
        max(shared_all - shared, 0), round(ratio, 6), shared / na if na else 0.0, shared / nb if nb else 0.0,
    )
