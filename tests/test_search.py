"""BM25 search: the incremental index update gives what a full rebuild gives."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from flows import storage
from flows.cli import main
from flows.search import index_exists, load_fts, rebuild_index, search, update_index
from tests_support import synthetic_article

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
LATE = 280  # an article in the appended part; its title word is in no other article
INSERT = """
INSERT INTO articles (article_id, raw_id, source, title, text, word_count, run_id, cleaned_at, code_version)
SELECT id, id, 'test', title, text, 1, 'run', $at, 'test'
FROM (SELECT unnest($ids) AS id, unnest($titles) AS title, unnest($texts) AS text)
"""


def _letters(i: int) -> str:
    """A word made of letters only (the tokenizer drops digits), distinct per i."""
    out = ""
    i += 26
    while i:
        i, r = divmod(i, 26)
        out += chr(ord("a") + r)
    return out


QUERIES = ["government budget", "storm river bridge", "police", "hospital doctors strike",
           "café", "election vote", "qbab", "mayor residents festival", _letters(LATE)]


def corpus(n: int, seed: int = 3) -> list[dict]:
    """Generated articles, with the cases tokenizing must agree on: no title, accents,
    capitals and punctuation, a text of stop words only, words first seen late."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        title = None if i % 17 == 0 else f"Headline {i}: the {rng.choice(['Café', 'résumé', 'Storm'])} {_letters(i)}!"
        text = "the and of it" if i % 23 == 0 else synthetic_article(rng, n_paragraphs=2) + f" q{_letters(i % 40)}b."
        rows.append({"id": f"a{i:05d}", "title": title, "text": text})
    return rows


def insert(con, rows: list[dict], batch: int) -> None:
    con.execute(INSERT, {"at": T0 + timedelta(seconds=batch), "ids": [r["id"] for r in rows],
                         "titles": [r["title"] for r in rows], "texts": [r["text"] for r in rows]})


def snapshot(con) -> dict:
    """What the scores depend on, free of docid/termid numbering."""
    return {
        "dict": sorted(con.execute("SELECT term, df FROM fts_main_articles.dict").fetchall()),
        "docs": sorted(con.execute("SELECT name, len FROM fts_main_articles.docs").fetchall()),
        "stats": con.execute("SELECT num_docs, avgdl FROM fts_main_articles.stats").fetchall(),
        "postings": sorted(con.execute(
            "SELECT d.name, f.field, t.term, count(*) FROM fts_main_articles.terms AS p "
            "JOIN fts_main_articles.docs AS d USING (docid) JOIN fts_main_articles.dict AS t USING (termid) "
            "JOIN fts_main_articles.fields AS f USING (fieldid) GROUP BY ALL").fetchall()),
        "scores": {(q, opts): sorted(con.execute(
            f"SELECT article_id, fts_main_articles.match_bm25(article_id, $q{opts}) AS s "
            "FROM articles WHERE s IS NOT NULL", {"q": q}).fetchall())
            for q in QUERIES for opts in ("", ", fields := 'title'", ", conjunctive := true")},
    }


@pytest.fixture
def open_db(tmp_path):
    cons = []

    def _open(name: str):
        con = storage.connect(tmp_path / f"{name}.duckdb")
        cons.append(con)
        return con

    yield _open
    for con in cons:
        con.close()


def test_incremental_update_equals_full_rebuild(open_db):
    rows = corpus(300)
    full = open_db("full")
    insert(full, rows, 0)
    rebuild_index(full)

    inc = open_db("inc")
    insert(inc, rows[:150], 0)
    assert update_index(inc) == 150          # no index yet: built whole
    insert(inc, rows[150:260], 1)
    assert update_index(inc) == 110          # appended
    insert(inc, rows[260:], 2)
    inc.execute("BEGIN TRANSACTION")         # as the pipeline calls it
    assert update_index(inc) == 40
    inc.execute("COMMIT")

    want, got = snapshot(full), snapshot(inc)
    assert got["stats"][0][0] == 300
    assert [r[0] for r in got["scores"][(_letters(LATE), "")]] == [f"a{LATE:05d}"]
    assert_same_index(got, want)
    assert update_index(inc) == 0
    assert inc.execute("SELECT * FROM fts_main_articles.stats").fetchall() == want["stats"]


def assert_same_index(got: dict, want: dict) -> None:
    """Tables identical; scores to the last bit or two: a multi-word query sums its
    terms' subscores in termid order, which differs between the two builds."""
    for key in ("dict", "docs", "stats", "postings"):
        assert got[key] == want[key], key
    assert got["scores"].keys() == want["scores"].keys()
    for key, rows in want["scores"].items():
        assert [r[0] for r in got["scores"][key]] == [r[0] for r in rows], key
        assert [r[1] for r in got["scores"][key]] == pytest.approx([r[1] for r in rows], rel=1e-12, abs=0), key


def test_deleted_article_rebuilds(open_db):
    con = open_db("del")
    rows = corpus(60)
    insert(con, rows, 0)
    update_index(con)
    con.execute("DELETE FROM articles WHERE article_id = 'a00001'")
    insert(con, corpus(61)[60:], 1)
    assert update_index(con) == 60           # rebuilt: 59 kept + 1 new
    names = {r[0] for r in con.execute("SELECT name FROM fts_main_articles.docs").fetchall()}
    assert "a00001" not in names and "a00060" in names


def test_reinserted_article_with_new_text_rebuilds(open_db):
    """A reprocess deletes and re-inserts under the same article_id: counts alone cannot tell."""
    con = open_db("re")
    insert(con, corpus(40), 0)
    update_index(con)
    con.execute("DELETE FROM articles WHERE article_id = 'a00002'")
    insert(con, [{"id": "a00002", "title": "Zeppelin", "text": "A zeppelin over the harbour."}], 1)
    update_index(con)
    assert [r[0] for r in search(con, "zeppelin").fetchall()] == ["a00002"]
    fresh = open_db("re_full")
    rows = con.execute("SELECT article_id, title, text FROM articles").fetchall()
    insert(fresh, [{"id": i, "title": t, "text": x} for i, t, x in rows], 0)
    rebuild_index(fresh)
    assert_same_index(snapshot(con), snapshot(fresh))


def test_index_made_elsewhere_is_rebuilt(open_db):
    """An index made without our sync table (by hand, or by an older version) is rebuilt once."""
    con = open_db("hand")
    insert(con, corpus(20), 0)
    load_fts(con)
    con.execute("PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', overwrite = 1)")
    assert update_index(con) == 20
    insert(con, corpus(25)[20:], 1)
    assert update_index(con) == 5


def test_update_on_empty_articles(open_db):
    con = open_db("empty")
    assert update_index(con) == 0 and index_exists(con)
    insert(con, corpus(5), 1)
    assert update_index(con) == 5
    assert con.execute("SELECT num_docs FROM fts_main_articles.stats").fetchone()[0] == 5


def test_newsflow_search_end_to_end(tmp_path, capsys):
    path = tmp_path / "news.duckdb"
    con = storage.connect(path)
    insert(con, corpus(30), 0)
    update_index(con)
    insert(con, [{"id": "late", "title": "Harbour zeppelin sighted", "text": "A zeppelin flew over the harbour."}], 1)
    con.close()
    with storage.transaction(path) as con:        # as the pipeline's search_index_task does
        assert update_index(con) == 1

    assert main(["search", "zeppelin harbour", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Harbour zeppelin sighted" in out
    assert main(["search", "government budget", "--db", str(path), "--limit", "3"]) == 0
    assert capsys.readouterr().out.count("test") == 3      # three hits, source 'test'
    assert main(["search", "xylophonequartet", "--db", str(path)]) == 0
    assert "no articles match" in capsys.readouterr().out
