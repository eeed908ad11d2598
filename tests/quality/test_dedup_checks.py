"""The dedup suite on a DuckDB file built with the migrations."""
from __future__ import annotations

from flows.quality import check_dedup

from .conftest import add_run


def failed(outcome):
    return {r.check_name: r for r in outcome.results if not r.success}


def insert_dup(con, article_id, canonical_id, kind="near", similarity=0.9):
    con.execute(
        "INSERT INTO duplicates (article_id, canonical_id, kind, similarity) VALUES (?, ?, ?, ?)",
        [article_id, canonical_id, kind, similarity],
    )


def test_consistent_duplicates_pass(con, settings):
    ids = add_run(con, "run1", 4)
    insert_dup(con, ids[1], ids[0])
    insert_dup(con, ids[2], ids[0], kind="exact", similarity=1.0)
    outcome = check_dedup(con, "run1", settings)
    names = {r.check_name for r in outcome.results}
    assert {"duplicate_is_article", "canonical_is_article", "canonical_not_duplicate", "not_own_duplicate",
            "one_canonical_per_article", "kind_known", "similarity_in_range", "exact_similarity_one"} <= names
    assert failed(outcome) == {}
    assert outcome.success and outcome.rejected == {}
    assert all(r.stage == "dedup" and r.element_count == 2 for r in outcome.results
               if r.check_name != "one_story_per_article")


def test_broken_duplicates_fail_each_check(con, settings):
    ids = add_run(con, "run1", 5)
    insert_dup(con, ids[1], ids[0])                                 # fine
    insert_dup(con, ids[2], ids[1])                                 # canonical is itself a duplicate
    insert_dup(con, ids[3], ids[3], kind="near", similarity=1.5)    # own duplicate, similarity out of range
    insert_dup(con, ids[4], "ghost", kind="exact", similarity=0.7)  # canonical missing; exact but < 1
    insert_dup(con, "nobody", ids[0], kind="fuzzy")                 # not an article; unknown kind
    outcome = check_dedup(con, "run1", settings)
    bad = failed(outcome)
    assert set(bad) == {
        "canonical_not_duplicate", "not_own_duplicate", "similarity_in_range", "canonical_is_article",
        "exact_similarity_one", "duplicate_is_article", "kind_known",
    }
    assert bad["canonical_is_article"].observed == "1 of 5 rows, e.g. canonical ghost is not in articles"
    # ids[2] points at a duplicate; ids[3] points at itself, which is a duplicate too
    assert bad["canonical_not_duplicate"].observed == f"2 of 5 rows, e.g. canonical {ids[1]} is itself a duplicate"
    assert bad["exact_similarity_one"].observed == "1 of 5 rows, e.g. exact duplicate with similarity=0.7"
    assert all(r.severity == "error" for r in bad.values())
    assert not outcome.success
    assert outcome.rejected == {}  # articles are stored by now: the run fails instead


def test_stories_checked_when_the_table_exists(con, settings):
    ids = add_run(con, "run1", 3)
    con.execute("CREATE TABLE IF NOT EXISTS stories (story_id VARCHAR, article_id VARCHAR)")
    con.execute("DELETE FROM stories")
    con.execute("INSERT INTO stories VALUES ('s1', ?), ('s1', ?)", [ids[0], ids[2]])
    outcome = check_dedup(con, "run1", settings)
    story = {r.check_name: r for r in outcome.results}["one_story_per_article"]
    assert not story.success and story.severity == "error"
    assert story.observed == f"1 of 3 rows, e.g. {ids[1]} is in 0 stories"
    con.execute("INSERT INTO stories VALUES ('s2', ?)", [ids[1]])
    outcome = check_dedup(con, "run1", settings)
    assert {r.check_name: r for r in outcome.results}["one_story_per_article"].success


def test_no_duplicates_table_yet(tmp_path, settings):
    import duckdb

    from .conftest import migrate

    con = duckdb.connect(str(tmp_path / "bare.duckdb"))
    migrate(con)
    try:
        if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'duplicates'").fetchone()[0]:
            return  # the dedup migration exists: nothing to skip
        outcome = check_dedup(con, "run1", settings)
        assert outcome.results == [] and outcome.success
    finally:
        con.close()
