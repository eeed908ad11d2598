"""Stories through DuckDB: any split of the arrival sequence into runs gives the same stories,
story ids never change, later articles join stored stories, duplicates share their canonical's story."""
from __future__ import annotations

import datetime as dt

import pytest

from .conftest import ingest, make_article, story_of
from .test_seeds_stories import SAME_EVENT

DAY = dt.date(2019, 11, 1)


def _halves(text: str) -> tuple[str, str]:
    paras = [p for p in text.split("\n") if p.strip()]
    return "\n\n".join(paras[0::2]), "\n\n".join(paras[1::2])


@pytest.fixture(scope="module")
def corpus(dev_bodies):
    """~45 articles in arrival order: whole pages, pages told twice (no shared sentence), copies."""
    bodies = [b for _, b in sorted(dev_bodies.items()) if len([p for p in b.split("\n") if p.strip()]) >= 6]
    arts = []
    for i, body in enumerate(bodies[:24]):
        arts.append(make_article(f"w{i:02d}", body, DAY + dt.timedelta(days=i % 9)))
    late = []
    for i, body in enumerate(bodies[24:34]):
        a, b = _halves(body)
        arts.append(make_article(f"h{i:02d}a", a, DAY + dt.timedelta(days=i % 5)))
        late.append(make_article(f"h{i:02d}b", b, DAY + dt.timedelta(days=i % 5 + 1)))
    arts += late
    arts.append(make_article("c00", bodies[3], DAY + dt.timedelta(days=1)))  # exact copy of w03
    paras = [p for p in bodies[5].split("\n") if p.strip()]
    arts.append(make_article("c01", "\n\n".join(paras[:-1]), DAY + dt.timedelta(days=2)))  # w05 less its last paragraph
    return arts


def _state(con):
    return {
        "stories": story_of(con),
        "df": con.execute("SELECT term, df FROM story_df ORDER BY term").fetchall(),
        "corpus": con.execute("SELECT n_docs FROM story_corpus").fetchall(),
        "centroids": con.execute("SELECT story_id, term, weight FROM story_centroids ORDER BY ALL").fetchall(),
        "meta": con.execute("SELECT * FROM story_meta ORDER BY story_id").fetchall(),
    }


def _run_in_parts(con, arts, cuts, fresh=False):
    from flows.dedup import stories

    first_ids = None
    for k, (lo, hi) in enumerate(zip([0] + cuts, cuts + [len(arts)])):
        if fresh:  # as if each run were its own process: no stories kept in memory from the run before
            stories._KEPT.take(None)
        ingest(con, arts[lo:hi], f"run{k}")
        if first_ids is None:
            first_ids = story_of(con)
    return first_ids


def test_any_split_into_runs_gives_the_same_stories_as_one_run(tmp_path, corpus):
    from flows import storage

    states = []
    for n, (cuts, fresh) in enumerate((([], False), ([1, 2, 3, 17, 30], False), ([20, 21], False),
                                       ([1, 2, 3, 17, 30], True))):
        con = storage.connect(str(tmp_path / f"s{n}.duckdb"))
        first = _run_in_parts(con, corpus, cuts, fresh)
        state = _state(con)
        assert all(state["stories"][a] == s for a, s in first.items())  # ids given in the first run never change
        states.append(state)
        con.close()
    assert states[0] == states[1] == states[2] == states[3]
    stories = states[0]["stories"]
    assert len(stories) == len(corpus)
    assert stories["c00"] == stories["w03"] and stories["c01"] == stories["w05"]  # copies with their originals
    joined = sum(stories[f"h{i:02d}a"] == stories[f"h{i:02d}b"] for i in range(10))
    assert joined >= 6  # most later write-ups joined the stored story of their event
    assert len(set(stories.values())) >= 24  # the different pages stay apart


def test_a_later_article_joins_the_stored_story_and_keeps_its_id(con, dev_bodies):
    a, b = SAME_EVENT[0]  # two sites' write-ups of one event
    ingest(con, [make_article("first", dev_bodies[a], DAY)], "run1")
    ingest(con, [make_article("later", dev_bodies[b], DAY + dt.timedelta(days=1))], "run2")
    assert story_of(con) == {"first": "story-first", "later": "story-first"}
    assert con.execute("SELECT n_members FROM story_meta WHERE story_id = 'story-first'").fetchone() == (2,)


def test_duplicates_share_their_canonicals_story_when_the_canonical_changes(con, dev_bodies):
    bodies = [b for _, b in sorted(dev_bodies.items())]
    ingest(con, [make_article("x", bodies[0], DAY + dt.timedelta(days=5)), make_article("y", bodies[1], DAY)], "run1")
    ingest(con, [make_article("x0", bodies[0], DAY)], "run2")  # an earlier-published copy of x: it becomes canonical
    s = story_of(con)
    canon = dict(con.execute("SELECT article_id, canonical_id FROM duplicates").fetchall())
    assert canon == {"x": "x0"}
    assert s["x"] == s["x0"] == "story-x" and s["y"] != s["x"]
    rows = con.execute("""SELECT count(*) FROM duplicates d JOIN stories s ON s.article_id = d.article_id
                          JOIN stories c ON c.article_id = d.canonical_id WHERE s.story_id <> c.story_id""").fetchone()
    assert rows == (0,)


def test_stories_kept_between_batches_never_outlive_a_rollback_or_another_database(tmp_path, corpus):
    """A run's batches reuse the last batch's stories in memory (stories._KEPT) only while the
    stored stories are as that batch left them: a rolled-back batch, or a batch written to
    another database in between, starts afresh and gives what a fresh process gives."""
    from flows import storage
    from flows.dedup import dedup_batch, stories
    from flows.settings import Settings
    from flows.storage.writes import article_table

    def fresh_reference():
        stories._KEPT.take(None)
        con = storage.connect(str(tmp_path / "ref.duckdb"))
        ingest(con, corpus[:20], "a")
        stories._KEPT.take(None)
        ingest(con, corpus[20:], "b")
        state = _state(con)
        con.close()
        return state

    expected = fresh_reference()
    con = storage.connect(str(tmp_path / "kept.duckdb"))
    ingest(con, corpus[:20], "a")
    con.execute("BEGIN TRANSACTION")  # a batch that is rolled back after its stories were placed
    storage.insert_arrow(con, "queries/articles/insert_articles", article_table(corpus[30:]),
                         {"run_id": "x", "code_version": "test"})
    dedup_batch(con, corpus[30:], "x", Settings())
    con.execute("ROLLBACK")
    ingest(con, corpus[20:], "b")
    assert _state(con) == expected
    con.close()

    con = storage.connect(str(tmp_path / "kept2.duckdb"))
    other = storage.connect(str(tmp_path / "other.duckdb"))
    ingest(con, corpus[:20], "a")
    ingest(other, corpus[:20], "a")  # another database in between
    ingest(con, corpus[20:], "b")
    assert _state(con) == expected
    con.close()
    other.close()
