"""Dedup at the edges (session 12): large clusters of copies stay linear in their copy edges."""
from __future__ import annotations

import random

from flows.dedup import canonical

from .conftest import duplicates, ingest, make_article

_WORDS = ("council budget river bridge storm farmers prices workers union strike hospital doctors museum festival "
          "coach players village mayor residents officials announced warned agreed rejected").split()


def _drifting_copies(n: int, step: int = 25) -> list[str]:
    """Each text changes the next ``step`` words of the one before: neighbours are near copies,
    far ones are not, so most members of the one cluster are not linked to its canonical."""
    rng = random.Random(1)
    words = [rng.choice(_WORDS) for _ in range(400)]
    texts = []
    for i in range(n):
        for k in range(i * step, (i + 1) * step):
            words[k % len(words)] = f"w{i}x{k}"
        texts.append([" ".join(words[j:j + 40]) + "." for j in range(0, 400, 40)])
    return ["\n\n".join(t) for t in texts]


def test_members_not_linked_to_their_canonical_get_their_best_edge_in_one_pass(con, monkeypatch):
    calls = []
    real = canonical._best_similarity
    monkeypatch.setattr(canonical, "_best_similarity", lambda edges: calls.append(len(edges)) or real(edges))
    texts = _drifting_copies(12)
    ingest(con, [make_article(f"d{i:02d}", t) for i, t in enumerate(texts)])
    dups = duplicates(con)
    assert set(dups) == {f"d{i:02d}" for i in range(1, 12)} and {c for c, _ in dups.values()} == {"d00"}
    sims = dict(con.execute("SELECT article_id, similarity FROM duplicates").fetchall())
    edges = con.execute("SELECT count(*) FROM dedup_pairs WHERE is_copy").fetchone()[0]
    far = [a for a in dups if not con.execute(
        "SELECT count(*) FROM dedup_pairs p JOIN dedup_docs x ON x.doc_no = p.a_no JOIN dedup_docs y "
        "ON y.doc_no = p.b_no WHERE p.is_copy AND x.article_id = 'd00' AND y.article_id = ?", [a]).fetchone()[0]]
    assert far, "the test needs members not linked to the canonical"
    for a in far:  # their similarity is their best edge's, as before
        best = con.execute(
            "SELECT max(p.similarity) FROM dedup_pairs p JOIN dedup_docs x ON x.doc_no IN (p.a_no, p.b_no) "
            "WHERE p.is_copy AND x.article_id = ?", [a]).fetchone()[0]
        assert sims[a] == best
    assert len(calls) == 1 and calls[0] == edges  # one pass over the edges, not one per member


def test_best_similarity():
    assert canonical._best_similarity({(1, 2): (0.9, "near"), (2, 3): (0.95, "near"), (1, 3): (0.5, "near")}) == {
        1: 0.9, 2: 0.95, 3: 0.95}
