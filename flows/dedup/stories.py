"""Stories: the reports of one event, grouped; different events kept apart.

An article joins the story it is most like, compared with the story as a
whole (its centroid: the sum of its members' vectors), or starts a new one.
There is no chaining: A~B and B~C do not put A and C together unless C is
like the story {A, B}. Evidence, strongest first:

1. a copy (exact or near) is in the story of the earliest article it copies;
2. a shared passage (``STORY_PASSAGE_MIN`` content shingles) lowers the bar
   for that article's story (``passage_bonus``) and lifts the date penalty;
3. vector similarity: the article's features (story_features.py: words of
   the title and lead, names and numbers boosted) weighted by rarity in the
   stored corpus (``idf`` from document frequencies in ``story_df``), cosine
   to the story's centroid, minus ``day_penalty`` per day the published date
   lies outside the story's published range, at most ``max_date_penalty``.
   Unknown dates neither help nor hurt.

Guarantee (tested in tests/dedup/test_stories_incremental.py): the stories
are a function of the sequence of deduplicated articles in arrival order
(``dedup_docs.doc_no``) and the copy and passage links dedup finds for each
article with those before it. How that sequence is cut into runs or batches
does not change them: an article is weighed with the document frequencies
of the articles before it and itself (never of later ones in its batch) and
compared with the stories as they were just before it, in doc_no order.
Arrival order itself matters (greedy, like any incremental clustering).
Story ids never change once given (``story-`` + the first article's id).
A duplicate found only later (dedup re-checks) moves to its canonical's
story, so duplicates always share their canonical's story.
"""
from __future__ import annotations

import datetime as dt
import math
import sys
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import mul, truediv

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .sqlio import run
from .signatures import StoryFeatures

STORY_PASSAGE_MIN = 15  # shared content shingles that count as a shared passage
_ZEROS = repeat(0.0)
_GRID_CELLS = 4_000_000  # articles x longest feature list, for picking each article's heaviest terms (32 MB)


@dataclass(frozen=True)
class StoryParams:
    """The knobs; defaults chosen by cross-validation in bench/stories_quality.py."""

    threshold: float = 0.35  # cosine to the centroid to join a story
    passage_bonus: float = 0.15  # added for stories the article shares a passage with
    day_penalty: float = 0.01  # per day the article's published date lies outside the story's published range,
    max_date_penalty: float = 0.15  # up to this: far dates need a clearly closer match, they do not forbid one
    # (scraped pages carry republication dates: two of the five seeds are dated 18 months after their event)
    doc_terms: int = 60  # an article's vector keeps its heaviest terms
    lookup_terms: int = 10  # candidates: stories whose centroid holds ``min_shared_terms`` of the article's
    min_shared_terms: int = 3  # ``lookup_terms`` heaviest terms (or share a passage with it)
    centroid_terms: int = 150  # a story's centroid keeps its heaviest terms (up to twice as many between trims)
    prior_docs: float = 10.0  # pseudo-documents: rarity means little in a corpus of five


@dataclass
class Story:
    story_id: str
    centroid: dict[str, float]
    n_members: int = 0
    first: dt.date | None = None  # published range of the members with a known date
    last: dt.date | None = None
    norm: float = 0.0

    def gap_days(self, day: dt.date | None) -> int | None:
        if day is None or self.first is None:
            return None
        if day < self.first:
            return (self.first - day).days
        return max(0, (day - self.last).days)


@dataclass
class Doc:
    """One article as the story step sees it."""

    doc_no: int
    article_id: str
    feats: dict[str, float]
    published: dt.date | None = None
    copies: list[int] = field(default_factory=list)  # earlier doc_nos it copies
    passages: list[int] = field(default_factory=list)  # earlier doc_nos it shares passages with
    vector: dict[str, float] = field(default_factory=dict)


_LOG1 = np.array([math.log(d + 1.0) for d in range(1 << 12)])


def _log1(upto: int) -> np.ndarray:
    """log(d + 1) for d = 0..upto, each from math.log (exact the same whichever batch asks)."""
    global _LOG1
    if upto >= len(_LOG1):
        _LOG1 = np.array([math.log(d + 1.0) for d in range(max(upto + 1, 2 * len(_LOG1)))])
    return _LOG1


def _norm(c: dict[str, float]) -> float:
    """Exactly rounded (fsum), so the same whatever order the terms were loaded in."""
    v = c.values()
    return math.sqrt(math.fsum(map(mul, v, v)))


def _in_at_least(sets: list[set[str]], m: int) -> set[str]:
    """The ids in at least ``m`` of ``sets``, by set algebra (C speed) instead of counting each id.

    Smallest sets first; a level that can no longer reach ``m`` with the sets left is not kept up."""
    if m <= 1:
        return set().union(*sets)
    sets = sorted(sets, key=len)
    n = len(sets)
    levels = [set() for _ in range(m)]  # levels[i]: ids in at least i + 1 of the sets so far
    for j, s in enumerate(sets):
        lo = max(0, m - n + j)
        for i in range(m - 1, max(lo, 1) - 1, -1):
            if levels[i - 1]:
                levels[i] |= levels[i - 1] & s
        if lo == 0:
            levels[0] |= s
    return levels[-1]


def _top(weights: dict[str, float], k: int) -> list[tuple[str, float]]:
    return sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


class StoryBook:
    """The clustering itself, in memory: document frequencies, candidate stories, assignments.

    Filled from DuckDB (or from nothing, in the bench), fed articles in doc_no order."""

    def __init__(self, params: StoryParams = StoryParams(), n_docs: int = 0, df: dict[str, int] | None = None,
                 stories: list[Story] | None = None, story_of_doc: dict[int, str] | None = None):
        self.p = params
        self.n_docs = n_docs
        self.df: Counter = Counter(df or {})
        self._df_added: dict[str, int] = {}  # what the articles vectorised since loading added to ``df``
        self.stories: dict[str, Story] = {}
        self.index: defaultdict[str, set[str]] = defaultdict(set)  # term -> stories whose centroid holds it
        self.story_of_doc: dict[int, str] = dict(story_of_doc or {})
        self.touched: set[str] = set()
        self.created: set[str] = set()  # stories started since loading (or since ``begin_batch``)
        self.complete = False  # holds every stored story (made on an empty database, kept since)
        for s in stories or []:
            self._put(s)

    def begin_batch(self) -> None:
        """Forget the previous batch's bookkeeping (kept across batches: stories, index, frequencies)."""
        self._df_added = {}
        self.story_of_doc = {}
        self.touched = set()
        self.created = set()

    def _put(self, s: Story) -> None:
        self.stories[s.story_id] = s
        s.norm = _norm(s.centroid)
        for t in s.centroid:
            self.index[t].add(s.story_id)

    def vectorise(self, docs: list[Doc], fetch_df=None, features: StoryFeatures | None = None) -> None:
        """Each article's unit vector (heaviest term first), in doc_no order, as if one at a time.

        An article's weights use the document frequencies of the articles before it and itself
        (copies are not counted), never of later ones, so a batch gives what single articles give.
        Columnar (numpy) because it is per term; the logarithms come from one table of exact values.
        ``fetch_df(terms)`` gives the stored frequencies of terms the book does not know yet.
        ``features``: the docs' features, columnar (the workers'), in place of each ``Doc.feats``."""
        if not docs:
            return
        n = len(docs)
        if features is None:
            features = StoryFeatures.from_pairs([(d.feats, 0) for d in docs])
        lens = np.diff(features.offsets)
        weights = features.weights
        # each distinct term once, numbered in order of first occurrence (as pandas' factorize)
        encoded = features.terms.dictionary_encode()
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        uniques = np.empty(len(encoded.dictionary), object)
        uniques[:] = encoded.dictionary.to_pylist()
        unique_list = uniques.tolist()
        if fetch_df is not None:
            unknown = set(unique_list).difference(self.df)
            if unknown:
                dict.update(self.df, fetch_df(list(unknown)))  # set, not add (Counter.update adds)
        base = np.array(list(map(self.df.get, unique_list, repeat(0))), np.int64)
        counted = np.fromiter((not d.copies for d in docs), bool, n)
        doc_of = np.repeat(np.arange(n), lens)
        own = counted[doc_of].astype(np.int64)
        # df after each occurrence: the stored count plus this batch's counted articles up to this one
        df_occ = base[codes] + pd.Series(own).groupby(codes, sort=False).cumsum().to_numpy()
        n_docs = self.n_docs + np.cumsum(counted)
        log_n = np.array([math.log(int(x) + self.p.prior_docs) for x in n_docs])
        raw = weights * (log_n[doc_of] - _log1(int(df_occ.max()) if len(df_occ) else 0)[df_occ])
        doc_start = np.cumsum(lens) - lens
        pos = np.arange(len(weights)) - doc_start[doc_of]
        k = self.p.doc_terms
        width = int(lens.max())
        if k < width and n * width <= _GRID_CELLS:  # only terms as heavy as their article's k-th heaviest can be kept
            grid = np.full((n, width), -np.inf)
            grid[doc_of, pos] = raw
            kth = np.partition(grid, grid.shape[1] - k, axis=1)[:, grid.shape[1] - k]
            cand = np.flatnonzero(raw >= kth[doc_of])
        else:
            cand = np.arange(len(weights))
        # per article: heaviest first, ties in feature order (lexsort is stable; the terms are in that order)
        order = cand[np.lexsort((-raw[cand], doc_of[cand]))]
        first = np.searchsorted(doc_of[order], np.arange(n))
        rank = np.arange(len(order)) - first[doc_of[order]]
        keep = order[(rank < k) & (raw[order] > 0)]
        kept_doc = doc_of[keep]
        bounds = np.searchsorted(kept_doc, np.arange(n + 1)).tolist()
        kc = codes[keep]
        used = np.zeros(len(uniques), bool)
        used[kc] = True
        used = np.flatnonzero(used)
        interned = np.empty(len(uniques), object)  # one string per term in the book
        interned[used] = list(map(sys.intern, uniques[used].tolist()))
        kt, kw = interned[kc].tolist(), raw[keep].tolist()
        for i, d in enumerate(docs):
            a, b = bounds[i], bounds[i + 1]
            ws = kw[a:b]
            norm = math.sqrt(sum(map(mul, ws, ws))) or 1.0  # summed in order, as a generator would
            d.vector = dict(zip(kt[a:b], map(truediv, ws, repeat(norm))))
        added = np.bincount(codes[own.astype(bool)], minlength=len(uniques))
        grown = np.flatnonzero(added)
        grown_terms = uniques[grown].tolist()
        dict.update(self.df, zip(grown_terms, (base[grown] + added[grown]).tolist()))
        before = self._df_added
        if not before:  # the usual case: one call per batch
            self._df_added = dict(zip(grown_terms, added[grown].tolist()))
        else:
            for t, a in zip(grown_terms, added[grown].tolist()):
                before[t] = before.get(t, 0) + a
        self.n_docs = int(n_docs[-1])

    def df_added(self) -> dict[str, int]:
        """What the articles vectorised since loading (or since ``begin_batch``) added to the document frequencies."""
        return self._df_added

    def lookup_terms(self, doc: Doc) -> list[str]:
        return list(doc.vector)[:self.p.lookup_terms]

    def score(self, doc: Doc, s: Story) -> float:
        if not s.norm:
            return 0.0
        # the same products added in the same order as a generator would, at C speed
        return sum(map(mul, doc.vector.values(), map(s.centroid.get, doc.vector, _ZEROS))) / s.norm

    def place(self, doc: Doc) -> str:
        """Put one (vectorised) article in a story; returns the story id."""
        p = self.p
        copied = sorted(n for n in doc.copies if n in self.story_of_doc)
        chosen = self.story_of_doc[copied[0]] if copied else None
        if chosen is None:
            passage = {self.story_of_doc[n] for n in doc.passages if n in self.story_of_doc}
            index = self.index
            cands = _in_at_least([index[t] for t in self.lookup_terms(doc) if t in index], p.min_shared_terms) | passage
            best = -1.0
            for sid in sorted(cands):
                s = self.stories[sid]
                if sid in passage:
                    sc = self.score(doc, s) + p.passage_bonus
                else:
                    gap = s.gap_days(doc.published) or 0
                    sc = self.score(doc, s) - min(p.max_date_penalty, p.day_penalty * gap)
                if sc >= p.threshold and sc > best:
                    best, chosen = sc, sid
        if chosen is None:
            chosen = "story-" + doc.article_id
            self.stories[chosen] = Story(chosen, {})
            self.created.add(chosen)
        self._add(self.stories[chosen], doc)
        self.story_of_doc[doc.doc_no] = chosen
        return chosen

    def _add(self, s: Story, doc: Doc) -> None:
        c, sid, index = s.centroid, s.story_id, self.index
        if not c:  # a new story (most articles): its centroid is the article's vector, indexed at C speed
            c.update(doc.vector)
            deque(map(set.add, map(index.__getitem__, c), repeat(sid)), 0)
        else:
            for t, w in doc.vector.items():
                if t in c:
                    c[t] += w
                else:
                    c[t] = w
                    index[t].add(sid)
        if len(c) > 2 * self.p.centroid_terms:  # trimmed now and then, not at every article: sorting is the cost
            kept = dict(_top(c, self.p.centroid_terms))
            for t in c.keys() - kept.keys():
                self.index[t].discard(sid)
            s.centroid = c = kept
        s.norm = _norm(c)
        s.n_members += 1
        if doc.published is not None:
            s.first = min(s.first or doc.published, doc.published)
            s.last = max(s.last or doc.published, doc.published)
        self.touched.add(sid)

    def add_all(self, docs: list[Doc]) -> list[str]:
        """Vectorise and place articles in doc_no order (the whole step, without storage)."""
        self.vectorise(docs)
        return [self.place(d) for d in docs]


def assign_stories(con: duckdb.DuckDBPyConnection, docs: list[Doc], params: StoryParams = StoryParams(),
                   features: StoryFeatures | None = None) -> tuple[int, int]:
    """Put every new article (``docs``, in doc_no order) in a story; the caller holds the transaction.

    ``features``: the docs' features, columnar, in place of each ``Doc.feats`` (see vectorise).
    Returns (stories created, duplicates moved to their canonical's story)."""
    if not docs:
        return 0, 0
    state = _state(con, docs[0].doc_no, params)
    book = _KEPT.take(state)
    if book is None:
        book = StoryBook(params, state[2])
        book.complete = state[3] == 0
    else:  # the stored stories are as this book left them: only frequencies it has not seen are read
        book.begin_batch()

    def fetch_df(terms: list[str]) -> dict[str, int]:
        return dict(run(con, "dedup_story_df_of", pa.table({"term": pa.array(sorted(terms), pa.string())})))

    book.vectorise(docs, fetch_df, features)  # vectors first: they depend on frequencies only, so candidates can be loaded once
    new_nos = {d.doc_no for d in docs}
    linked = sorted({n for d in docs for n in d.copies + d.passages if n not in new_nos})
    story_ids = set()
    if not book.complete:
        lookup = sorted({t for d in docs for t in book.lookup_terms(d)})
        rows = run(con, "dedup_story_candidates", pa.table({"term": pa.array(lookup, pa.string())}),
                   {}) if lookup else []
        story_ids = {r[0] for r in rows}
    if linked:
        for no, sid in run(con, "dedup_stories_of_docs", pa.table({"doc_no": pa.array(linked, pa.int64())})):
            book.story_of_doc[no] = sid
            story_ids.add(sid)
    missing = sorted(story_ids - book.stories.keys())
    if missing:
        tbl = pa.table({"story_id": pa.array(missing, pa.string())})
        cents = {sid: dict(zip(map(sys.intern, terms), weights))
                 for sid, terms, weights in run(con, "dedup_story_centroids_of", tbl)}
        for sid, n, first, last in run(con, "dedup_story_meta_of", tbl):
            book._put(Story(sid, cents.get(sid, {}), n, first, last))
    before = len(book.stories)
    placed = [book.place(d) for d in docs]
    _write(con, book, docs, placed)
    moved = run(con, "dedup_stories_follow_canonical")
    _KEPT.keep(book, _state(con, docs[-1].doc_no + 1, params))
    return len(book.stories) - before, (moved[0][0] if moved else 0)


def _state(con: duckdb.DuckDBPyConnection, next_doc_no: int, params: StoryParams) -> tuple:
    """What identifies the stored stories between two batches of this process: the database,
    where the batch's doc numbers start, the articles counted and the stories stored."""
    db, n_docs, n_stories = run(con, "dedup_story_state")[0]
    return (db, next_doc_no, n_docs, n_stories, params)


class _KeptBook:
    """The last batch's StoryBook, reused by the next batch when the stored stories are exactly as
    it left them (same database, the next doc numbers, same counts): a run's batches then load
    only the stories they have not seen, instead of every candidate story again, batch after batch.
    Anything else (another writer, a rolled-back batch, a reset, another database) starts afresh."""

    MAX_TERMS = 2_000_000  # centroid terms held (about 150 MB): beyond it, batches load their stories

    def __init__(self):
        self.book: StoryBook | None = None
        self.state: tuple | None = None

    def take(self, state: tuple) -> StoryBook | None:
        book, self.book = (self.book if self.state == state else None), None
        self.state = None
        return book

    def keep(self, book: StoryBook, state: tuple) -> None:
        if sum(len(s.centroid) for s in book.stories.values()) <= self.MAX_TERMS:
            self.book, self.state = book, state


_KEPT = _KeptBook()


def forget_kept_book() -> None:
    """Let go of the last batch's StoryBook (at a run's end): it is only reused by the next batch of
    the same run, and holding it (about 90 MB at 20,000 articles) through the run's checks and
    search index, or between the runs of a long-lived process, only adds to their memory."""
    _KEPT.take(None)


def _write(con: duckdb.DuckDBPyConnection, book: StoryBook, docs: list[Doc], placed: list[str]) -> None:
    run(con, "dedup_insert_stories", pa.table({
        "story_id": pa.array(placed, pa.string()), "article_id": pa.array([d.article_id for d in docs], pa.string())}))
    added = book.df_added()
    if added:
        run(con, "dedup_story_df_add", pa.table({
            "term": pa.array(list(added), pa.string()), "n": pa.array(list(added.values()), pa.int32())}))
    run(con, "dedup_story_corpus_set", None, {"n_docs": book.n_docs})
    touched = [book.stories[s] for s in sorted(book.touched)]
    ids = pa.array([s.story_id for s in touched], pa.string())
    stored = sorted(book.touched - book.created)  # stories started in this batch have no rows to replace
    if stored:
        run(con, "dedup_story_centroids_delete", pa.table({"story_id": pa.array(stored, pa.string())}))
    # one row per story, its terms and weights as lists (in the centroid's own order)
    offsets = pa.array(np.cumsum([0] + [len(s.centroid) for s in touched]), pa.int32())
    run(con, "dedup_story_centroids_insert", pa.table({
        "story_id": ids,
        "terms": pa.ListArray.from_arrays(offsets, pa.array(list(chain.from_iterable(s.centroid for s in touched)),
                                                            pa.string())),
        "weights": pa.ListArray.from_arrays(offsets, pa.array(np.fromiter(
            chain.from_iterable(s.centroid.values() for s in touched), np.float64, offsets[-1].as_py())))}))
    run(con, "dedup_story_meta_upsert", pa.table({
        "story_id": ids, "n_members": pa.array([s.n_members for s in touched], pa.int32()),
        "first_published": pa.array([s.first for s in touched], pa.date32()),
        "last_published": pa.array([s.last for s in touched], pa.date32())}))
