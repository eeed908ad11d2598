"""BM25 search (flows/search.py): scores equal to DuckDB's fts extension, the incremental index
equal to one build, and the same results on a DuckDB file and on a DuckLake."""
from __future__ import annotations

import json
import logging
import random
from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from flows import storage
from flows.cli import main
from flows.search import index_exists, index_size, load_fts, search, update_index
from flows.storage.sqlfiles import execute_script
from flows.settings import Settings
from flows.storage.extensions import load_extension
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


QUERIES = ["government budget", "storm river bridge", "police", "hospital doctors strike", "the and of",
           "café", "Résumé, CAFÉ!", "election vote", "qbab", "mayor residents festival", _letters(LATE),
           "ключ", "don't stop-believing"]


def corpus(n: int, seed: int = 3) -> list[dict]:
    """Generated articles, with the cases tokenizing must agree on: no title, accents,
    capitals and punctuation, a text of stop words only, words first seen late, Cyrillic."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        title = None if i % 17 == 0 else f"Headline {i}: the {rng.choice(['Café', 'résumé', 'Storm'])} {_letters(i)}!"
        text = "the and of it" if i % 23 == 0 else synthetic_article(rng, n_paragraphs=2) + f" q{_letters(i % 40)}b."
        if i % 29 == 0:
            text += " Ключ к замку, don't-stop believing_now."
        rows.append({"id": f"a{i:05d}", "title": title, "text": text})
    return rows


def insert(con, rows: list[dict], batch: int) -> None:
    con.execute(INSERT, {"at": T0 + timedelta(seconds=batch), "ids": [r["id"] for r in rows],
                         "titles": [r["title"] for r in rows], "texts": [r["text"] for r in rows]})


def results(con, queries=QUERIES) -> dict:
    """Every match of every query, best first: (article_id, unrounded score)."""
    load_fts(con)
    return {q: con.execute("SELECT article_id, score FROM bm25($q) ORDER BY score DESC, article_id",
                           {"q": q}).fetchall() for q in queries}


def fts_reference(rows: list[dict], queries=QUERIES) -> dict:
    """What DuckDB's own fts index gives on the same articles (the scoring we reproduce)."""
    con = duckdb.connect()
    load_extension(con, "fts")
    con.execute("CREATE TABLE articles (article_id VARCHAR, title VARCHAR, text VARCHAR)")
    con.executemany("INSERT INTO articles VALUES (?, ?, ?)", [(r["id"], r["title"], r["text"]) for r in rows])
    con.execute("PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', stemmer = 'porter', "
                "stopwords = 'english')")
    out = {q: con.execute("SELECT article_id, fts_main_articles.match_bm25(article_id, $q) AS s FROM articles "
                          "WHERE s IS NOT NULL ORDER BY s DESC, article_id", {"q": q}).fetchall() for q in queries}
    con.close()
    return out


def assert_same_results(got: dict, want: dict) -> None:
    """Same articles with the same scores to ~1e-9, best first. A multi-word score sums its terms
    in whatever order the join gives, so two articles whose scores are equal can differ in the
    last bit and swap places (it happened once in a whole test run): the order is checked as
    scores that never rise, not as the exact list of ids."""
    assert got.keys() == want.keys()
    for q, rows in want.items():
        scores = dict(got[q])
        assert len(scores) == len(got[q]) and scores.keys() == dict(rows).keys(), q
        assert [scores[a] for a, _ in rows] == pytest.approx([s for _, s in rows], rel=1e-12, abs=1e-9), q
        ranked = [s for _, s in got[q]]
        assert all(later <= earlier + 1e-9 for earlier, later in zip(ranked, ranked[1:])), q


def index_tables(con) -> dict:
    """What the scores depend on, free of docid/termid numbering."""
    return {
        "docs": sorted(con.execute("SELECT article_id, len FROM search_docs").fetchall()),
        "postings": sorted(con.execute(
            "SELECT d.article_id, t.term, p.tf FROM search_postings AS p JOIN search_docs AS d USING (docid) "
            "JOIN search_terms AS t USING (termid)").fetchall()),
    }


@pytest.fixture(params=["duckdb", "ducklake"])
def open_db(request, tmp_path):
    """Fresh databases of one storage kind (a DuckLake on a SQLite catalog)."""
    cons = []

    def _open(name: str):
        con = storage.connect(Settings.from_env(db_path=str(tmp_path / f"{name}.duckdb"), storage=request.param))
        cons.append(con)
        return con

    yield _open
    for con in cons:
        con.close()


def test_scores_equal_the_fts_extension_and_incremental_equals_one_build(open_db):
    rows = corpus(300)
    whole = open_db("whole")
    insert(whole, rows, 0)
    assert update_index(whole) == 300

    inc = open_db("inc")
    insert(inc, rows[:150], 0)
    assert update_index(inc) == 150
    insert(inc, rows[150:260], 1)
    assert update_index(inc) == 110          # appended
    insert(inc, rows[260:], 2)
    inc.execute("BEGIN TRANSACTION")         # as the pipeline calls it
    assert update_index(inc) == 40
    inc.execute("COMMIT")
    assert update_index(inc) == 0

    want = fts_reference(rows)
    assert [r[0] for r in want[_letters(LATE)]] == [f"a{LATE:05d}"]
    assert want["ключ"] and want["café"] and not want["the and of"]
    assert_same_results(results(whole), want)
    assert_same_results(results(inc), want)
    assert index_tables(inc) == index_tables(whole)
    assert index_size(inc) == (300, 300)


def test_a_build_in_chunks_numbers_and_scores_as_one_statement(open_db):
    """The first build goes a chunk of articles at a time (bounded memory): same docids, same index."""
    rows = corpus(120)
    whole, chunked = open_db("whole"), open_db("chunked")
    for con in (whole, chunked):
        insert(con, rows, 0)
    assert update_index(whole, chunk=10_000) == 120
    assert update_index(chunked, chunk=25) == 120   # 25, 25, 25, 25, 20
    assert update_index(chunked, chunk=25) == 0
    assert index_tables(chunked) == index_tables(whole)
    ids = "SELECT docid, article_id FROM search_docs ORDER BY docid"
    assert chunked.execute(ids).fetchall() == whole.execute(ids).fetchall()
    assert_same_results(results(chunked), results(whole))


def test_chunks_are_also_bounded_by_the_size_of_their_texts(open_db):
    """Long articles: a chunk ends at about ``chunk_bytes`` of title and text even below
    ``chunk`` articles (a gigabyte of text in one statement otherwise); same index."""
    rows = corpus(120)
    whole, by_size = open_db("whole"), open_db("by_size")
    for con in (whole, by_size):
        insert(con, rows, 0)
    update_index(whole, chunk=10_000)
    sizes = [n for (n,) in by_size.execute(
        "SELECT strlen(coalesce(title, '')) + strlen(text) FROM articles ORDER BY article_id").fetchall()]
    bound = sum(sizes) // 7  # about seven chunks by size, where the article count alone makes one
    load_fts(by_size)
    _, chunks = execute_script(by_size, "queries/search/missing_articles",
                               {"chunk_articles": 10_000, "chunk_bytes": bound})[0]
    assert 7 <= len(chunks) <= 8
    per_chunk = by_size.execute("SELECT chunk, count(*) FROM search_missing GROUP BY chunk ORDER BY chunk").fetchall()
    assert sum(n for _, n in per_chunk) == 120 and [c for c, _ in per_chunk] == chunks
    by_size.execute("DROP TABLE search_missing")
    assert update_index(by_size, chunk=10_000, chunk_bytes=bound) == 120
    assert index_tables(by_size) == index_tables(whole)
    assert by_size.execute(ids := "SELECT docid, article_id FROM search_docs ORDER BY docid").fetchall() \
        == whole.execute(ids).fetchall()
    assert_same_results(results(by_size), results(whole))


def test_deleted_and_reinserted_articles_leave_the_index(open_db):
    """A reprocess deletes and re-inserts under the same article_id (counts alone cannot tell)."""
    con = open_db("re")
    rows = corpus(60)
    insert(con, rows, 0)
    update_index(con)
    con.execute("DELETE FROM articles WHERE article_id IN ('a00001', 'a00002')")
    insert(con, [{"id": "a00002", "title": "Zeppelin", "text": "A zeppelin over the harbour."}], 1)
    insert(con, corpus(61)[60:], 1)
    assert update_index(con) == 2            # a00002 again, and a00060
    assert [r[0] for r in search(con, "zeppelin").fetchall()] == ["a00002"]
    now = con.execute("SELECT article_id, title, text FROM articles").fetchall()
    assert_same_results(results(con), fts_reference([{"id": i, "title": t, "text": x} for i, t, x in now]))
    assert index_size(con) == (60, 60)


def test_update_on_empty_articles(tmp_path):
    con = storage.connect(tmp_path / "empty.duckdb")
    assert update_index(con) == 0 and index_exists(con)
    assert search(con, "anything").fetchall() == []
    insert(con, corpus(5), 1)
    assert update_index(con) == 5
    assert index_size(con) == (5, 5)
    con.close()


def test_generated_corpus_same_on_a_file_and_a_lake(tmp_path):
    """A few hundred articles of the bench generator (bench/generate_corpus.py), loaded in two
    steps into a DuckDB file and into a DuckLake: the same results as one fts build."""
    from flows.evaluation.corpus import generate

    arts, _labels = generate(400, seed=5)
    rows = [{"id": f"g{i:04d}", "title": a.title, "text": a.text} for i, a in enumerate(arts)]
    vocab = sorted({w.strip(".,”").lower() for r in rows[:20] for w in r["text"].split()[:40]})
    queries = [" ".join(random.Random(i).sample(vocab, 2)) for i in range(12)] + [arts[7].title]
    want = fts_reference(rows, queries)
    assert sum(len(v) for v in want.values()) > 100
    for kind in ("duckdb", "ducklake"):
        con = storage.connect(Settings.from_env(db_path=str(tmp_path / f"{kind}.duckdb"), storage=kind))
        insert(con, rows[:250], 0)
        update_index(con)
        insert(con, rows[250:], 1)
        update_index(con)
        assert_same_results(results(con, queries), want)
        con.close()


def test_old_fts_index_is_dropped_by_the_migration(tmp_path):
    """A database from before migration 008 had fts's own index: the migration drops it."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    load_extension(con, "fts")
    con.execute("CREATE TABLE articles (article_id VARCHAR, title VARCHAR, text VARCHAR)")
    con.execute("PRAGMA create_fts_index('articles', 'article_id', 'title', 'text')")
    con.execute("DROP TABLE articles")
    con.close()
    con = storage.connect(path)
    assert not con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_articles'").fetchone()[0]
    con.close()


@pytest.mark.parametrize("kind", ["duckdb", "ducklake"])
def test_newsflow_search_end_to_end(tmp_path, capsys, monkeypatch, kind):
    monkeypatch.setenv("NEWSFLOW_STORAGE", kind)
    path = tmp_path / "news.duckdb"
    assert main(["search", "anything", "--db", str(path)]) == 1    # nothing stored yet
    capsys.readouterr()
    con = storage.connect(path)
    insert(con, corpus(30), 0)
    con.close()
    assert main(["search", "zeppelin", "--db", str(path)]) == 1    # articles, but never indexed
    assert "index is empty" in capsys.readouterr().err
    with storage.transaction(path) as con:        # as the pipeline's search_index_task does
        assert update_index(con) == 30
    con = storage.connect(path)
    insert(con, [{"id": "late", "title": "Harbour zeppelin sighted", "text": "A zeppelin flew over the harbour."}], 1)
    con.close()
    with storage.transaction(path) as con:
        assert update_index(con) == 1

    assert main(["search", "zeppelin harbour", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Harbour zeppelin sighted" in out
    assert main(["search", "government budget", "--db", str(path), "--limit", "3"]) == 0
    assert capsys.readouterr().out.count("test") == 3      # three hits, source 'test'
    assert main(["search", "xylophonequartet", "--db", str(path)]) == 0
    assert "no articles match" in capsys.readouterr().out


@pytest.mark.slow
def test_a_run_with_nothing_new_indexes_what_an_earlier_run_left(cli_env, tmp_path):
    """A run killed after its batches but before its search-index step leaves articles out of
    the index (here: a run with the index switched off); the next run, even one with nothing
    new (the no-op path, no Prefect), indexes them."""
    from conftest import run_cli

    path = tmp_path / "news.duckdb"
    first = run_cli(["run", "--db", str(path), "--no-progress"], dict(cli_env, NEWSFLOW_SEARCH_INDEX="0"))
    assert first.returncode == 0, first.stderr
    con = storage.connect(path, read_only=True)
    assert index_size(con) == (0, 5)
    con.close()
    env = {k: v for k, v in cli_env.items() if k != "PREFECT_API_URL"}
    again = run_cli(["run", "--db", str(path), "--no-progress", "--json"], env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["counts"]["already_stored"] == 5
    con = storage.connect(path, read_only=True)
    assert index_size(con) == (5, 5)
    assert [r[1] for r in search(con, "north korea munitions").fetchall()][:1] == [
        "Russia's foreign minister will visit North Korea amid claims of weapons supplied to Moscow"]
    con.close()


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_search_index_step_limits_memory_and_falls_back_when_too_small(tmp_path):
    """The run's search-index step works under NEWSFLOW_SEARCH_INDEX_MEMORY; a limit DuckDB
    cannot work within rolls back and is done again without it: same index, a warning."""
    from flows.pipeline.stages import search_index

    lines = _Lines()
    logger = logging.getLogger("flows.pipeline.stages")  # outside a flow run: the module's logger
    logger.addHandler(lines)
    path = tmp_path / "news.duckdb"
    con = storage.connect(path)
    insert(con, corpus(40), 0)
    con.close()
    try:
        assert search_index(Settings.from_env(db_path=str(path), search_index_memory="1MB")) == 40
        assert any("did not fit in 1MB" in line for line in lines.lines)
        lines.lines.clear()
        other = tmp_path / "other.duckdb"
        con = storage.connect(other)
        insert(con, corpus(40), 0)
        con.close()
        assert search_index(Settings.from_env(db_path=str(other))) == 40   # the default limit: fits
        assert not lines.lines
    finally:
        logger.removeHandler(lines)
    con = storage.connect(path, read_only=True)
    assert index_size(con) == (40, 40)
    small = con.execute("SELECT count(*), sum(tf) FROM search_postings").fetchone()
    con.close()
    con = storage.connect(other, read_only=True)
    assert con.execute("SELECT count(*), sum(tf) FROM search_postings").fetchone() == small
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] != "256.0 MiB"  # not kept
    con.close()
