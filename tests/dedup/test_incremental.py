"""Several runs in any split give the same pairs as one run; re-running adds nothing."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from flows import storage
from flows.settings import Settings
from flows.evaluation.corpus import generate

from .conftest import duplicates, ingest, make_article


@pytest.fixture(scope="module")
def corpus():
    gen, _ = generate(600, seed=4, copy_rate=0.2, not_copy_rate=0.1)
    return [make_article(g.key, g.text, g.published, g.title) for g in gen], gen


def run_in_splits(tmp_path, name, articles, cuts) -> dict:
    con = storage.connect(tmp_path / f"{name}.duckdb")
    try:
        bounds = [0, *cuts, len(articles)]
        for i, (lo, hi) in enumerate(zip(bounds, bounds[1:])):
            ingest(con, articles[lo:hi], run_id=f"run{i}")
        return duplicates(con)
    finally:
        con.close()


def test_one_run_equals_several_splits(tmp_path, corpus):
    articles, gen = corpus
    one = run_in_splits(tmp_path, "one", articles, [])
    planted = sum(g.pattern not in ("base", "shared_boilerplate", "shared_quote") for g in gen)
    assert len(one) >= 0.95 * planted
    rng = random.Random(1)
    for k, cuts in enumerate(([300], [1, 2, 3, 100, 101, 400], sorted(rng.sample(range(1, 600), 7)))):
        assert run_in_splits(tmp_path, f"split{k}", articles, cuts) == one


def test_shuffled_order_gives_the_same_clusters(tmp_path, corpus):
    """Arrival order changes nothing when published dates decide the canonical."""
    articles, _ = corpus
    one = run_in_splits(tmp_path, "one", articles, [])
    shuffled = list(articles)
    random.Random(2).shuffle(shuffled)
    other = run_in_splits(tmp_path, "shuffled", shuffled, [200, 400])

    def clusters(d):
        groups = {}
        for a, (c, _) in d.items():
            groups.setdefault(c, {c}).add(a)
        return sorted(sorted(g) for g in groups.values())

    assert clusters(other) == clusters(one)


def test_rerun_of_stored_articles_adds_nothing(con, corpus):
    articles, _ = corpus
    ingest(con, articles[:200])
    before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
              for t in ("duplicates", "stories", "passages", "dedup_pairs")}
    report = ingest(con, articles[:200], run_id="again", settings=Settings())
    assert report.articles == 0 and report.already_indexed == 200
    assert {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in before} == before


def test_block_becoming_template_later_undoes_the_early_verdict(tmp_path):
    """Two briefs under one long block look like copies until the block shows up everywhere:
    the stored pair is checked again and the run ends as one run over everything would."""
    import datetime as dt

    from flows.evaluation.corpus import BOILERPLATE, World

    world = World.make(5)
    rng = random.Random(5)
    block = " ".join(BOILERPLATE[:3])
    briefs = [make_article(f"b{i}", world.paragraph(rng, rng.sample(world.names, 2), 2) + "\n\n" + block,
                           dt.date(2024, 1, 1 + i)) for i in range(8)]
    assert run_in_splits(tmp_path, "all", briefs, []) == {}
    con = storage.connect(tmp_path / "split.duckdb")
    ingest(con, briefs[:2], "run1")
    early = duplicates(con)
    ingest(con, briefs[2:], "run2")
    assert duplicates(con) == {}
    if early:  # the early verdict was a copy: its undoing is on record
        assert con.execute("SELECT count(*) FROM duplicate_canonical_changes WHERE run_id = 'run2'").fetchone()[0] >= 1
    con.close()


def test_a_wire_story_on_hundreds_of_sites_costs_one_check_per_copy(con, dev_bodies):
    """Exact copies (after normalising: case, spacing) of one text arriving over several batches
    are each verified once, against the cluster's first article, never against each other:
    O(n) pair checks for a cluster of n, not O(n x k)."""
    body = sorted(dev_bodies.values(), key=len)[-1]
    day = dt.date(2024, 5, 1)
    copies = [make_article(f"wire{i:03d}", body.upper() if i % 3 == 1 else body.replace(" ", "  ") if i % 3 == 2
                           else body, day + dt.timedelta(days=1)) for i in range(300)]
    reports = [ingest(con, copies[lo:lo + 100], f"run{lo}") for lo in (0, 100, 200)]
    dups = duplicates(con)
    assert len(dups) == 299 and {c for c, _ in dups.values()} == {"wire000"}
    assert {k for _, k in dups.values()} == {"exact"}
    assert sum(r.verified for r in reports) <= 300  # one check per copy at most
    assert sum(r.band_candidates + r.anchor_candidates for r in reports) == 0  # copies add no band or anchor rows
