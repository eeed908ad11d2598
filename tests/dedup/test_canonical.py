"""Canonical choice, and re-pointing when an earlier-published copy arrives later."""
from __future__ import annotations

import datetime as dt

from .conftest import duplicates, ingest, make_article


def text(dev_bodies, i=0):
    return [b for b in dev_bodies.values() if len(b.split()) > 300][i]


def test_earliest_published_is_canonical(con, dev_bodies):
    body = text(dev_bodies)
    ingest(con, [make_article("late", body + "\n\nA local paragraph about the town council meeting on Tuesday.",
                              dt.date(2024, 5, 3)),
                 make_article("early", body, dt.date(2024, 5, 1))])
    assert duplicates(con) == {"late": ("early", "near")}


def test_earlier_copy_arriving_later_becomes_canonical(con, dev_bodies):
    body = text(dev_bodies, 1)
    ingest(con, [make_article("b", body, dt.date(2024, 5, 2)), make_article("c", body, dt.date(2024, 5, 4))], "run1")
    assert duplicates(con) == {"c": ("b", "exact")}
    ingest(con, [make_article("a", body.upper(), dt.date(2024, 5, 1))], "run2")
    assert duplicates(con) == {"b": ("a", "exact"), "c": ("a", "exact")}
    changes = con.execute("SELECT article_id, old_canonical_id, new_canonical_id, run_id "
                          "FROM duplicate_canonical_changes ORDER BY article_id").fetchall()
    assert changes == [("b", None, "a", "run2"), ("c", "b", "a", "run2")]
    assert [r[0] for r in con.execute("SELECT article_id FROM articles_unique").fetchall()] == ["a"]


def test_ties_fall_back_to_ingest_time_then_id(con, dev_bodies):
    body = text(dev_bodies, 2)
    ingest(con, [make_article("z", body, None)], "run1")
    ingest(con, [make_article("y", body, None)], "run2")  # ingested later: not canonical though its id is smaller
    assert duplicates(con) == {"y": ("z", "exact")}
    ingest(con, [make_article("x", body, dt.date(2020, 1, 1))], "run3")  # a known date beats unknown ones
    assert {k: v[0] for k, v in duplicates(con).items()} == {"y": "x", "z": "x"}


def test_similarity_and_cluster_view(con, dev_bodies):
    body = text(dev_bodies, 3)
    ingest(con, [make_article("o", body, dt.date(2024, 1, 1)),
                 make_article("t", "\n\n".join(body.split("\n\n")[:-2]) + "\n\nEditor's note: more to come.",
                              dt.date(2024, 1, 2)),
                 make_article("e", body.replace(".", " ."), dt.date(2024, 1, 3))])
    rows = con.execute("SELECT article_id, kind, similarity FROM duplicates ORDER BY article_id").fetchall()
    assert rows[0] == ("e", "exact", 1.0) and rows[1][:2] == ("t", "near") and 0.8 <= rows[1][2] <= 1.0
    view = con.execute("SELECT canonical_id, n_articles, duplicate_ids, n_exact, n_near FROM duplicate_clusters").fetchall()
    assert view == [("o", 3, ["e", "t"], 1, 1)]
