"""Each copy pattern is caught, each non-copy pattern is not (real article bodies)."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from flows.evaluation.corpus import BOILERPLATE, COPY_PATTERNS, World

from .conftest import duplicates, ingest, make_article

DAY = dt.date(2024, 3, 1)


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n") if p.strip()]


@pytest.fixture(scope="module")
def bodies(dev_bodies):
    """Longer dev articles with several paragraphs, as paragraph lists."""
    out = [paragraphs(b) for b in dev_bodies.values()]
    return [p for p in out if len(p) >= 6 and 250 <= sum(len(x.split()) for x in p) <= 1500][:12]


@pytest.mark.parametrize("pattern", sorted(COPY_PATTERNS))
def test_copy_pattern_is_a_duplicate(con, bodies, pattern):
    rng = random.Random(pattern)
    base, other = bodies[0], bodies[1]
    copy = COPY_PATTERNS[pattern](base, rng, lambda r: r.choice(other))
    ingest(con, [make_article("orig", "\n\n".join(base), DAY),
                 make_article("copy", "\n\n".join(copy), DAY + dt.timedelta(days=2)),
                 make_article("unrelated", "\n\n".join(bodies[2]), DAY)])
    dups = duplicates(con)
    assert set(dups) == {"copy"}
    assert dups["copy"] == ("orig", "exact" if pattern == "exact" else "near")


def test_shared_boilerplate_block_is_not_a_copy(con, bodies):
    """Different stories carrying the same (long) boilerplate block, the block in many articles."""
    block = "\n\n".join(BOILERPLATE[:3])
    arts = [make_article(f"s{i}", "\n\n".join(b[:3]) + "\n\n" + block, DAY) for i, b in enumerate(bodies[:8])]
    ingest(con, arts)
    assert duplicates(con) == {}


def test_short_briefs_under_a_long_block_are_not_copies(con):
    world = World.make(3)
    rng = random.Random(3)
    block = " ".join(BOILERPLATE[:3])
    briefs = [make_article(f"b{i}", world.paragraph(rng, rng.sample(world.names, 2), 3) + "\n\n" + block, DAY)
              for i in range(8)]
    ingest(con, briefs)
    assert duplicates(con) == {}


def test_quoting_a_paragraph_is_a_passage_not_a_copy(con, bodies):
    quoted = max(bodies[0], key=len)  # a substantial paragraph (passages are found by sampled shingles)
    other = bodies[1][:3] + [quoted] + bodies[1][3:]
    ingest(con, [make_article("a", "\n\n".join(bodies[0]), DAY), make_article("b", "\n\n".join(other), DAY)])
    assert duplicates(con) == {}
    rows = con.execute("SELECT article_id, other_id, shared_shingles, share_of_article FROM passages").fetchall()
    assert len(rows) == 1 and rows[0][:2] == ("a", "b") and rows[0][2] > 10 and 0 < rows[0][3] < 0.5


def test_same_block_in_copies_of_one_story_keeps_them_copies(con, bodies):
    """Template discount is relative: a syndicated story is not template text."""
    rng = random.Random(9)
    base = bodies[3]
    arts = [make_article("orig", "\n\n".join(base), DAY)]
    for i in range(6):
        arts.append(make_article(f"c{i}", "\n\n".join(COPY_PATTERNS["reedited"](base, rng, None)),
                                 DAY + dt.timedelta(days=i + 1)))
    ingest(con, arts)
    assert {k: v[0] for k, v in duplicates(con).items()} == {f"c{i}": "orig" for i in range(6)}
