"""Story centroids are stored one row per story (terms and weights as lists, migration 009);
a database from before keeps its centroids, and the old row shape stays queryable as a view."""
from __future__ import annotations

import duckdb

from flows import storage
from flows.storage import migrations


def test_a_database_from_before_009_keeps_its_centroids(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    before_009 = [p for p in migrations.migration_files() if int(p.name[:3]) < 9]
    with monkeypatch.context() as m:
        m.setattr(migrations, "migration_files", lambda: before_009)
        con = duckdb.connect(str(path))
        migrations.apply_migrations(con)
    rows = [("story-a", "lavrov", 0.5), ("story-a", "пхеньян", 0.8), ("story-a", "2019", 0.5),
            ("story-b", "quake", 1.0)]
    con.executemany("INSERT INTO story_centroids VALUES (?, ?, ?)", rows)
    con.close()

    con = storage.connect(path)  # applies 009 and the views
    lists = con.execute("SELECT story_id, terms, weights FROM story_centroid_lists ORDER BY story_id").fetchall()
    assert lists == [("story-a", ["пхеньян", "2019", "lavrov"], [0.8, 0.5, 0.5]), ("story-b", ["quake"], [1.0])]
    assert con.execute("SELECT story_id, term, weight FROM story_centroids ORDER BY ALL").fetchall() == sorted(rows)
    con.close()


def test_stored_stories_are_one_row_each(con, seed_articles):
    from .conftest import ingest

    ingest(con, [seed_articles[k] for k in ("000", "002", "003")])
    n_stories = con.execute("SELECT count(DISTINCT story_id) FROM stories").fetchone()[0]
    assert con.execute("SELECT count(*), count(DISTINCT story_id) FROM story_centroid_lists").fetchone() == (n_stories,) * 2
    assert con.execute("SELECT bool_and(len(terms) = len(weights) AND len(terms) > 0) FROM story_centroid_lists").fetchone()[0]
    n_terms = con.execute("SELECT sum(len(terms)) FROM story_centroid_lists").fetchone()[0]
    assert con.execute("SELECT count(*) FROM story_centroids").fetchone()[0] == n_terms
