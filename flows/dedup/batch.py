"""One batch through dedup: ``dedup_batch`` (see the package's docstring for the steps)."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass

import duckdb
import pyarrow as pa

from ..records import Article
from ..settings import Settings
from . import index
from .canonical import update_clusters
from .signatures import BatchSignatures, compute_signatures
from .sqlio import run
from .stories import STORY_PASSAGE_MIN, Doc, assign_stories
from .verify import DocData, PairResult, verify_pair


@dataclass
class DedupReport:
    """What one batch's dedup did (the pipeline sums the numbers into its summary)."""

    articles: int = 0  # articles deduplicated in this batch
    already_indexed: int = 0  # skipped: their fingerprints were stored by an earlier run
    exact: int = 0  # new articles found to be exact copies
    near: int = 0  # new articles found to be near copies
    candidates: int = 0  # candidate pairs (LSH bands and shared anchors), before verification
    band_candidates: int = 0
    anchor_candidates: int = 0
    verified: int = 0  # pairs verified on their shingle sets (candidates and re-checks)
    reverified: int = 0  # stored pairs checked again (template frequencies changed)
    copy_pairs: int = 0
    passages: int = 0  # pairs recorded as sharing passages without being copies
    canonical_changes: int = 0
    stories_new: int = 0
    stories_moved: int = 0  # duplicates moved to their canonical's story (a copy found by a re-check)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _times(con: duckdb.DuckDBPyConnection, articles: list[Article]) -> dict[str, tuple]:
    rows = run(con, "article_times", pa.table({"article_id": pa.array([a.article_id for a in articles], pa.string())}))
    got = {aid: (pub, ing) for aid, pub, ing in rows}
    now = dt.datetime.now(dt.timezone.utc)
    return {a.article_id: (got.get(a.article_id, (None, None))[0] or a.published_date,
                           got.get(a.article_id, (None, None))[1] or now) for a in articles}


def _signatures_of(todo: list[Article], signatures: BatchSignatures | None, settings: Settings) -> BatchSignatures:
    """The signatures of ``todo``: the precomputed ones (the workers'), narrowed to ``todo`` when
    the batch lost articles (stored meanwhile by another writer, or repeated), instead of signing
    the whole batch again in the writer's transaction; signed here only when some are missing."""
    ids = [a.article_id for a in todo]
    if signatures is not None and signatures.article_ids != ids:
        at = {aid: i for i, aid in enumerate(signatures.article_ids)}
        signatures = signatures.take([at[aid] for aid in ids]) if all(aid in at for aid in ids) else None
    return signatures if signatures is not None else compute_signatures(todo, settings)


def dedup_batch(con: duckdb.DuckDBPyConnection, articles: list[Article], run_id: str, settings: Settings,
                signatures: BatchSignatures | None = None) -> DedupReport:
    """Deduplicate a batch against the stored corpus and itself; the caller holds the transaction.

    ``signatures`` may be precomputed by ``compute_signatures(articles, settings)``
    (in a worker process); they must be of the same articles, in order."""
    started = time.perf_counter()
    report = DedupReport()
    ids = pa.table({"article_id": pa.array([a.article_id for a in articles], pa.string())})
    known = {r[0] for r in run(con, "known_articles", ids)} if articles else set()
    seen, todo = set(), []
    for a in articles:
        if a.article_id not in known and a.article_id not in seen:
            seen.add(a.article_id)
            todo.append(a)
    report.already_indexed = len(articles) - len(todo)
    if not todo:
        return report
    signatures = _signatures_of(todo, signatures, settings)
    report.articles = len(todo)
    times = _times(con, todo)
    stored = index.save_signatures(con, signatures, times, run_id, signatures.story_feats.names.tolist())
    new_nos = set(range(stored.first_no, stored.first_no + len(todo)))

    pairs, report.band_candidates, report.anchor_candidates = index.candidate_pairs(con, stored.first_no)
    exact_pairs = {(rep, stored.first_no + i) for i, rep in enumerate(stored.exact_of) if rep is not None}
    pairs |= exact_pairs
    report.candidates = len(pairs)
    recheck = index.reverify_pairs(con, stored.first_no) - pairs
    report.reverified = len(recheck)
    todo_pairs = sorted(pairs | recheck)
    needed = {n for p in todo_pairs for n in p}
    docs: dict[int, DocData] = {n: stored.docs.get(n) for n in needed & new_nos}
    docs.update(index.load_docs(con, sorted(needed - new_nos)))
    df = index.paragraph_df(con, [docs[n] for n in needed])
    results = [verify_pair(docs[a], docs[b], df, settings.near_threshold) for a, b in todo_pairs]
    report.verified = len(results)

    previous = {}
    if recheck:
        prev_rows = run(con, "pairs_of", pa.table({
            "a_no": pa.array([a for a, _ in recheck], pa.int64()), "b_no": pa.array([b for _, b in recheck], pa.int64())}))
        previous = {(a, b): c for a, b, c in prev_rows}
    stored_results = [r for r in results if r.kind != "none" or (r.a_no, r.b_no) in previous]
    if stored_results:
        run(con, "upsert_pairs", _pairs_table(stored_results), {"run_id": run_id})
    report.copy_pairs = sum(r.is_copy for r in results)
    touched = {n for r in results if r.is_copy or previous.get((r.a_no, r.b_no)) for n in (r.a_no, r.b_no)}
    clusters = update_clusters(con, touched, new_nos, run_id)
    report.exact, report.near, report.canonical_changes = clusters.exact, clusters.near, clusters.canonical_changes
    report.passages = _write_passages(con, results, docs, run_id)

    story_docs = [Doc(stored.first_no + i, a, {}, times[a][0]) for i, a in enumerate(signatures.article_ids)]
    by_no = {d.doc_no: d for d in story_docs}
    for r in results:  # links of each new article with those before it (a_no < b_no)
        if r.b_no in by_no and (r.is_copy or r.shared >= STORY_PASSAGE_MIN):
            (by_no[r.b_no].copies if r.is_copy else by_no[r.b_no].passages).append(r.a_no)
    report.stories_new, report.stories_moved = assign_stories(con, story_docs, features=signatures.story_feats)
    report.seconds = round(time.perf_counter() - started, 4)
    return report


_PAIR_SCHEMA = pa.schema([
    ("a_no", pa.int64()), ("b_no", pa.int64()), ("kind", pa.string()), ("is_copy", pa.bool_()),
    ("similarity", pa.float64()), ("jaccard", pa.float64()), ("shared", pa.int32()),
    ("shared_template", pa.int32()), ("length_ratio", pa.float64()),
])


def _pairs_table(results: list[PairResult]) -> pa.Table:
    return pa.Table.from_pylist([{k: getattr(r, k) for k in _PAIR_SCHEMA.names} for r in results], schema=_PAIR_SCHEMA)


def _write_passages(con, results: list[PairResult], docs: dict[int, DocData], run_id: str) -> int:
    """Rewrite the passage rows of every verified pair: kept when they share passages but are not copies."""
    rows = []
    for r in results:
        a, b = docs[r.a_no].article_id, docs[r.b_no].article_id
        share_a, share_b = r.share_a, r.share_b
        if b < a:
            a, b, share_a, share_b = b, a, share_b, share_a
        rows.append({"article_id": a, "other_id": b, "shared_shingles": r.shared, "share_of_article": round(share_a, 6),
                     "share_of_other": round(share_b, 6), "keep": r.kind == "passage"})
    if not rows:
        return 0
    table = pa.Table.from_pylist(rows, schema=pa.schema([
        ("article_id", pa.string()), ("other_id", pa.string()), ("shared_shingles", pa.int32()),
        ("share_of_article", pa.float64()), ("share_of_other", pa.float64()), ("keep", pa.bool_())]))
    run(con, "delete_passages", table)
    run(con, "insert_passages", table, {"run_id": run_id})
    return sum(r["keep"] for r in rows)
