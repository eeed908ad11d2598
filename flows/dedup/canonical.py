"""Duplicate clusters and their canonical article.

A cluster is a connected component of verified copy pairs. Its canonical is
chosen deterministically: earliest published_date (known dates first), then
earliest ingested, then smallest article_id. The clusters touched by a batch
are rebuilt from the stored copy edges, so when an earlier-published copy
arrives in a later run it becomes the canonical, every member is re-pointed,
and each change is written to ``duplicate_canonical_changes``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from .sqlio import run
from .unionfind import UnionFind

_FAR_DATE = dt.date.max
_FAR_TIME = dt.datetime.max.replace(tzinfo=dt.timezone.utc)


def canonical_key(article_id: str, published, ingested) -> tuple:
    """Sort key: the smallest is the canonical."""
    if ingested is not None and ingested.tzinfo is None:
        ingested = ingested.replace(tzinfo=dt.timezone.utc)
    return (published is None, published or _FAR_DATE, ingested or _FAR_TIME, article_id)


@dataclass
class ClusterOutcome:
    exact: int = 0  # new articles that are exact copies
    near: int = 0  # new articles that are near copies
    canonical_changes: int = 0
    clusters_touched: int = 0


def _ids(nos) -> pa.Table:
    return pa.table({"doc_no": pa.array(sorted(nos), pa.int64())})


def update_clusters(con: duckdb.DuckDBPyConnection, touched: set[int], new_nos: set[int],
                    run_id: str) -> ClusterOutcome:
    """Rebuild the clusters of ``touched`` articles from the stored copy edges and write ``duplicates``."""
    out = ClusterOutcome()
    if not touched:
        return out
    nodes: set[int] = set(touched)
    facts: dict[int, tuple] = {}
    edges: dict[tuple[int, int], tuple[float, str]] = {}
    frontier = set(touched)
    while frontier:
        rows = run(con, "cluster_members", _ids(frontier))
        canon_ids = set()
        for no, aid, th, pub, ing, canon in rows:
            facts[no] = (aid, th, pub, ing, canon)
            canon_ids.add(canon or aid)
        more = {r[0] for r in run(con, "members_of_canonicals",
                                  pa.table({"article_id": pa.array(sorted(canon_ids), pa.string())}))}
        by_id = {f[0]: no for no, f in facts.items()}
        for cid in canon_ids:  # the current canonicals themselves
            if cid not in by_id:
                more |= {r[0] for r in run(con, "doc_no_of", pa.table({"article_id": pa.array([cid])}))}
        for a, b, sim, kind in run(con, "copy_edges", _ids(frontier)):
            edges[(a, b)] = (sim, kind)
            more.add(a)
            more.add(b)
        frontier = more - nodes
        nodes |= frontier
    uf = UnionFind()
    for no in nodes:
        uf.find(no)
    for a, b in edges:
        uf.union(a, b)
    comps = uf.components(nodes)
    dup_rows, delete_ids, changes = [], [], []
    best: dict[int, float] | None = None  # a member's best copy edge, for one not linked to its canonical
    for members in comps.values():
        out.clusters_touched += 1
        canon_no = min(members, key=lambda m: canonical_key(facts[m][0], facts[m][2], facts[m][3]))
        c_aid, c_hash = facts[canon_no][0], facts[canon_no][1]
        for m in members:
            aid, th, _, _, old = facts[m]
            new = None if m == canon_no else c_aid
            if m in new_nos and new is not None:
                if th == c_hash:
                    out.exact += 1
                else:
                    out.near += 1
            if old == new:
                continue
            if old is not None:
                delete_ids.append(aid)
            if m not in new_nos:
                changes.append({"article_id": aid, "old_canonical_id": old, "new_canonical_id": new})
            if new is None:
                continue
            if th == c_hash:
                kind, sim = "exact", 1.0
            else:
                key = (min(m, canon_no), max(m, canon_no))
                if key not in edges and best is None:
                    best = _best_similarity(edges)
                kind, sim = "near", edges[key][0] if key in edges else best.get(m, 0.0)
            dup_rows.append({"article_id": aid, "canonical_id": c_aid, "kind": kind,
                             "similarity": float(min(max(sim, 0.0), 1.0)), "cluster_size": len(members)})
    if delete_ids:
        run(con, "delete_duplicates", pa.table({"article_id": pa.array(delete_ids, pa.string())}))
    if dup_rows:
        run(con, "insert_duplicates", pa.Table.from_pylist(dup_rows, schema=pa.schema([
            ("article_id", pa.string()), ("canonical_id", pa.string()), ("kind", pa.string()),
            ("similarity", pa.float64()), ("cluster_size", pa.int32())])), {"run_id": run_id})
    if changes:
        run(con, "insert_canonical_changes", pa.Table.from_pylist(changes, schema=pa.schema([
            ("article_id", pa.string()), ("old_canonical_id", pa.string()), ("new_canonical_id", pa.string())])),
            {"run_id": run_id})
        out.canonical_changes = len(changes)
    return out


def _best_similarity(edges: dict[tuple[int, int], tuple[float, str]]) -> dict[int, float]:
    """Each article's highest similarity over its copy edges, in one pass (every member of a
    cluster not linked to its canonical scanned every edge: 3,000 near copies, 130 s of 200)."""
    best: dict[int, float] = {}
    for (a, b), (sim, _) in edges.items():
        for no in (a, b):
            if sim > best.get(no, float("-inf")):
                best[no] = sim
    return best
