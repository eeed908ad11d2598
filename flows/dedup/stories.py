"""Stories: articles about the same event, grouped.

Three kinds of link put two articles in one story: they are copies; they
share passages of their own text (not template text); or they name the same
people, places and organisations (capitalised phrases, a cheap stand-in for
named entities) within a few days of each other. Stories are the connected
components of these links, kept incrementally: a new article joins the story
of what it links to, and when it links two stories they merge (the smaller
story_id wins). Every article, duplicates too, is in exactly one story.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter

import duckdb
import pyarrow as pa

from .unionfind import UnionFind
from .sqlio import run

WINDOW_DAYS = 7
MIN_SHARED_ENTITIES = 3
MIN_ENTITY_OVERLAP = 0.3  # shared / entities of the article naming fewer
MAX_ENTITY_DF = 500
MAX_ENTITIES = 40
STORY_PASSAGE_MIN = 15  # shared content shingles that make two articles one story

_UPPER = "A-ZÀ-ÖØ-Þ"
# A capitalised phrase in mid-sentence (after a word or a comma): capitalised
# because it names something, not because a sentence starts there.
_WORD = rf"[{_UPPER}][\w&-]*(?:\.[{_UPPER}][\w&-]*)*"
_FIRST = rf"[{_UPPER}](?<=[\w,;] [{_UPPER}])[\w&-]*(?:\.[{_UPPER}][\w&-]*)*"  # look-behind after the capital: fast
_ENTITY = re.compile(rf"{_FIRST}(?: (?:of |de |al-|bin |van |von )?{_WORD})*")
_STOP = frozenset("""
a an the and but or if in on at to for of from by with as he she it they we i you his her its their our this
that these those there here when where while after before during since until also however meanwhile mr mrs ms
dr monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december jan feb mar apr jun jul aug sep sept oct nov dec today yesterday
tomorrow according
""".split())


def entities(text: str) -> list[int]:
    """Hashes of the capitalised phrases an article names in mid-sentence, most frequent first."""
    counts = Counter(_ENTITY.findall(text))
    named: Counter = Counter()
    for phrase, c in counts.items():
        name = phrase.rstrip(".-&").casefold()
        if len(name) >= 2 and name not in _STOP:
            named[name] += c
    top = sorted(named.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_ENTITIES]
    return [int.from_bytes(hashlib.blake2b(n.encode(), digest_size=8).digest(), "little") >> 1 for n, _ in top]


def assign_stories(con: duckdb.DuckDBPyConnection, new_docs: list[tuple[int, str]], first_no: int,
                   links: set[tuple[int, int]], article_of: dict[int, str]) -> tuple[int, int]:
    """Put every new article in a story. Returns (stories created, stories merged)."""
    if not new_docs:
        return 0, 0
    rows = run(con, "dedup_entity_candidates", None, {
        "first_new": first_no, "window_days": WINDOW_DAYS, "max_entity_df": MAX_ENTITY_DF,
        "min_shared": MIN_SHARED_ENTITIES})
    if rows:
        nos = sorted({r[0] for r in rows} | {r[1] for r in rows})
        info = {no: (n, aid) for no, n, aid in run(con, "dedup_entity_counts", pa.table({"doc_no": pa.array(nos, pa.int64())}))}
        for a, b, shared in rows:
            small = min(info[a][0], info[b][0])
            if small and shared / small >= MIN_ENTITY_OVERLAP:
                links.add((a, b))
            article_of.setdefault(a, info[a][1])
            article_of.setdefault(b, info[b][1])
    uf = UnionFind()
    new_nos = {no for no, _ in new_docs}
    for no in new_nos:
        uf.find(no)
    for a, b in links:
        uf.union(a, b)
    old_nos = {n for n in uf.parent if n not in new_nos}
    old_story = {}
    if old_nos:
        ids = sorted(article_of[n] for n in old_nos)
        story_of_aid = dict(run(con, "dedup_stories_of", pa.table({"article_id": pa.array(ids, pa.string())})))
        old_story = {n: story_of_aid.get(article_of[n]) for n in old_nos}
    first_of_story: dict[str, int] = {}
    for n, s in old_story.items():  # members of one story stay together
        if s:
            uf.union(n, first_of_story.setdefault(s, n))
    comps: dict[int, list[int]] = {}
    for no in list(uf.parent):
        comps.setdefault(uf.find(no), []).append(no)
    inserts, merges, created = [], [], 0
    for members in comps.values():
        if not any(m in new_nos for m in members):
            continue
        existing = sorted({old_story[m] for m in members if old_story.get(m)})
        if existing:
            story_id = existing[0]
            merges += [{"old_story_id": s, "new_story_id": story_id} for s in existing[1:]]
        else:
            story_id = "story-" + min(article_of[m] for m in members if m in new_nos)
            created += 1
        for m in members:
            if m in new_nos or not old_story.get(m):
                inserts.append({"story_id": story_id, "article_id": article_of[m]})
    if merges:
        run(con, "dedup_merge_stories", pa.Table.from_pylist(merges))
    if inserts:
        run(con, "dedup_insert_stories", pa.Table.from_pylist(inserts, schema=pa.schema([
            ("story_id", pa.string()), ("article_id", pa.string())])))
    return created, len(merges)
