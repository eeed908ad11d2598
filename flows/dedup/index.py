"""The persistent index: fingerprints, band keys, anchors and paragraphs in DuckDB.

New articles are written first, then the candidate queries join the batch's
keys against the whole stored index (earlier batches and earlier articles of
this batch alike), so one run or several give the same candidates. Look-ups
happen in DuckDB; Python only ever holds the batch and its candidates.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from .signatures import SIG_VERSION, BatchSignatures
from .sqlio import run, run_arrow
from .verify import DocData

MAX_BAND_CANDIDATES = 200  # per new article, most bands shared first
MAX_ANCHOR_DF = 50  # anchors held by more articles are template text
MIN_SHARED_ANCHORS = 2
MAX_PARA_DF_REVERIFY = 100


@dataclass
class NewDocs:
    """The batch's articles as stored: doc numbers and what verification needs."""

    first_no: int
    docs: "_LazyDocs"
    exact_of: list[int | None]  # doc_no of an earlier article with the same text


def _binary(values: np.ndarray, byte_offsets: np.ndarray) -> pa.Array:
    """One BLOB per article, sliced from one flat array without a Python loop."""
    offsets = byte_offsets.astype(np.int64)
    return pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(offsets) - 1,
                                            [None, pa.py_buffer(offsets), pa.py_buffer(values.tobytes())])


class _LazyDocs:
    """DocData of the batch's articles, built only for those in a candidate pair."""

    def __init__(self, sigs, doc_nos, th, sh32, ends, ph, meta):
        self.sigs, self.doc_nos, self.th, self.sh32, self.ends, self.ph, self.meta = sigs, doc_nos, th, sh32, ends, ph, meta
        self.first = int(doc_nos[0]) if len(doc_nos) else 0

    def __len__(self) -> int:
        return len(self.doc_nos)

    def get(self, doc_no: int) -> DocData:
        i = doc_no - self.first
        s = self.sigs
        p0, p1 = s.doc_para_offsets[i], s.doc_para_offsets[i + 1]
        aid = s.article_ids[i]
        pub, ing = self.meta.get(aid, (None, None))
        return DocData(doc_no, aid, int(self.th[i]), self.sh32[s.doc_offsets[i]:s.doc_offsets[i + 1]],
                       self.ends[p0:p1], self.ph[p0:p1], pub, ing)

    def __iter__(self):
        return (self.get(int(no)) for no in self.doc_nos)


def save_signatures(con: duckdb.DuckDBPyConnection, sigs: BatchSignatures, meta: dict, run_id: str,
                n_names: list[int]) -> NewDocs:
    """Write the batch's fingerprints; exact copies of an earlier text add no band or anchor rows."""
    n = len(sigs)
    first = run(con, "next_doc_no")[0][0]
    doc_nos = np.arange(first, first + n, dtype=np.int64)
    th = sigs.text_hashes.astype(np.int64)
    known = dict(run(con, "known_text_hashes", pa.table({"text_hash": pa.array(np.unique(th))})))
    exact_of: list[int | None] = []
    seen: dict[int, int] = {}
    for i in range(n):
        h = int(th[i])
        rep = known.get(h, seen.get(h))
        exact_of.append(rep)
        if rep is None:
            seen[h] = int(doc_nos[i])
    sh32 = (sigs.shingles & np.uint64(0xFFFFFFFF)).astype("<u4")
    para_doc = np.repeat(np.arange(n), np.diff(sigs.doc_para_offsets))
    ends = (sigs.para_offsets[1:] - sigs.doc_offsets[para_doc]).astype("<u4")  # per article, relative
    ph = sigs.para_hashes.astype("<i8")
    blobs = {
        "shingles": _binary(sh32, sigs.doc_offsets * 4),
        "para_ends": _binary(ends, sigs.doc_para_offsets * 4),
        "para_hashes": _binary(ph, sigs.doc_para_offsets * 8),
    }
    docs = _LazyDocs(sigs, doc_nos, th, sh32, ends, ph, meta)
    story_dates = [meta.get(a, (None, None))[0] or _day(meta.get(a, (None, None))[1]) for a in sigs.article_ids]
    docs_table = pa.table({
        "doc_no": pa.array(doc_nos), "article_id": pa.array(sigs.article_ids, pa.string()),
        "text_hash": pa.array(th), "n_tokens": pa.array(sigs.n_tokens.astype(np.int32)),
        "n_shingles": pa.array(np.diff(sigs.doc_offsets).astype(np.int32)),
        "shingles": blobs["shingles"], "para_ends": blobs["para_ends"], "para_hashes": blobs["para_hashes"],
        "n_entities": pa.array(n_names, pa.int32()),
        "published_date": pa.array([meta.get(a, (None, None))[0] for a in sigs.article_ids], pa.date32()),
        "ingested_at": pa.array([meta.get(a, (None, None))[1] for a in sigs.article_ids], pa.timestamp("us", tz="UTC")),
        "story_date": pa.array(story_dates, pa.date32()),
        "exact_of": pa.array(exact_of, pa.int64()),
    })
    run(con, "insert_docs", docs_table, {"sig_version": SIG_VERSION, "run_id": run_id})
    fresh = np.array([e is None for e in exact_of], dtype=bool)
    if fresh.any():
        keys = sigs.band_keys()[fresh]
        run(con, "insert_bands", pa.table({
            "band_key": pa.array(keys.ravel().astype(np.int64)),
            "doc_no": pa.array(np.repeat(doc_nos[fresh], keys.shape[1])),
        }))
        idx, anchors = sigs.anchors()
        keep = fresh[idx]
        run(con, "insert_anchors", pa.table({
            "anchor": pa.array(anchors[keep].astype(np.int64)), "doc_no": pa.array(doc_nos[idx[keep]]),
        }))
    para_doc = np.repeat(doc_nos, np.diff(sigs.doc_para_offsets))
    pairs = np.unique(np.stack([sigs.para_hashes.astype(np.int64), para_doc], axis=1), axis=0) \
        if len(para_doc) else np.empty((0, 2), np.int64)
    run(con, "insert_paragraphs", pa.table({"para_hash": pa.array(pairs[:, 0]), "doc_no": pa.array(pairs[:, 1])}))
    return NewDocs(first_no=int(first), docs=docs, exact_of=exact_of)


def _day(ts):
    return ts.date() if ts is not None else None


def candidate_pairs(con: duckdb.DuckDBPyConnection, first_no: int) -> tuple[set[tuple[int, int]], int, int]:
    """(pairs, from bands, from anchors): new articles against everything earlier."""
    band = run(con, "band_candidates", None, {"first_new": first_no, "max_candidates": MAX_BAND_CANDIDATES})
    anchor = run(con, "anchor_candidates", None, {
        "first_new": first_no, "max_anchor_df": MAX_ANCHOR_DF, "min_anchors": MIN_SHARED_ANCHORS})
    pairs = {(int(a), int(b)) for a, b, _ in band} | {(int(a), int(b)) for a, b, _ in anchor}
    return pairs, len(band), len(anchor)


def reverify_pairs(con: duckdb.DuckDBPyConnection, first_no: int) -> set[tuple[int, int]]:
    rows = run(con, "reverify_pairs", None, {"first_new": first_no, "max_para_df": MAX_PARA_DF_REVERIFY})
    return {(int(a), int(b)) for a, b in rows}


def load_docs(con: duckdb.DuckDBPyConnection, doc_nos: list[int]) -> dict[int, DocData]:
    """Stored fingerprints of earlier articles (no text is read)."""
    if not doc_nos:
        return {}
    t = run_arrow(con, "fetch_docs", pa.table({"doc_no": pa.array(sorted(doc_nos), pa.int64())}))
    out = {}
    cols = t.to_pydict()
    for i in range(t.num_rows):
        no = cols["doc_no"][i]
        out[no] = DocData(
            no, cols["article_id"][i], cols["text_hash"][i],
            np.frombuffer(cols["shingles"][i], dtype="<u4"), np.frombuffer(cols["para_ends"][i], dtype="<u4"),
            np.frombuffer(cols["para_hashes"][i], dtype="<i8"), cols["published_date"][i], cols["ingested_at"][i],
        )
    return out


def paragraph_df(con: duckdb.DuckDBPyConnection, docs: list[DocData]) -> dict[int, int]:
    """How many stored articles (this batch included) hold each paragraph of ``docs``."""
    hashes = np.unique(np.concatenate([d.para_hashes for d in docs])) if docs else np.empty(0, np.int64)
    if len(hashes) == 0:
        return {}
    return {int(h): int(c) for h, c in run(con, "paragraph_df", pa.table({"para_hash": pa.array(hashes.astype(np.int64))}))}
