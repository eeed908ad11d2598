"""The BM25 search index (flows/search.py) against DuckDB's fts extension, same run, same articles.

Run: ``python bench/search_index.py [--n 20000] [--new 1000] [--lake]``.

Generates ``n`` articles (flows/evaluation/corpus.py, as bench/generate_corpus.py writes
them) and stores them in a fresh DuckDB file, then times:

- the first build of newsflow's index over ``n`` articles, and fts's own ``PRAGMA
  create_fts_index`` over the same (what the file path built before);
- 20 two-word queries with each, checking that both give the same articles in the same
  order with the same scores (to 1e-9);
- the incremental update that adds ``new`` more (what a run does after its batches).

With ``--lake`` the newsflow index is also built in a DuckLake (SQLite catalog).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

INSERT = """
INSERT INTO articles (article_id, raw_id, source, title, text, word_count, run_id, cleaned_at, code_version)
SELECT id, id, 'bench', title, text, 1, 'run', now(), 'bench'
FROM (SELECT unnest($ids) AS id, unnest($titles) AS title, unnest($texts) AS text)
"""


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--new", type=int, default=1000, help="articles added by the incremental update")
    ap.add_argument("--lake", action="store_true", help="also build the index in a DuckLake")
    args = ap.parse_args()

    from flows import storage
    from flows.evaluation.corpus import generate
    from flows.search import load_fts, update_index
    from flows.settings import Settings
    from flows.storage.extensions import load_extension

    arts, _ = generate(args.n + args.new, seed=1)
    ids = [f"a{i:06d}" for i in range(len(arts))]
    titles = [a.title for a in arts]
    texts = [a.text for a in arts]
    n = len(arts) - args.new
    print(f"{n} + {args.new} generated articles, "
          f"{sum(len(t.split()) for t in texts) / len(texts):.0f} words each on average")

    tmp = Path(tempfile.mkdtemp(prefix="search-bench-"))
    builds = {}
    for kind in ["duckdb", "ducklake"] if args.lake else ["duckdb"]:
        con = storage.connect(Settings.from_env(db_path=str(tmp / f"{kind}.duckdb"), storage=kind))
        con.execute(INSERT, {"ids": ids[:n], "titles": titles[:n], "texts": texts[:n]})
        builds[kind], _ = timed(lambda: update_index(con))
        print(f"{kind:9s} newsflow index, first build ({n} articles): {builds[kind]:.2f} s")
        if kind == "duckdb":
            ref = con
        else:
            con.close()

    # fts's own index over the same articles (what the file path built before)
    load_extension(ref, "fts")
    fts_s, _ = timed(lambda: ref.execute(
        "PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', stemmer = 'porter', "
        "stopwords = 'english')"))
    print(f"fts       PRAGMA create_fts_index ({n} articles): {fts_s:.2f} s; "
          f"newsflow/fts first build: {builds['duckdb'] / fts_s:.2f}")

    load_fts(ref)
    words = [r[0] for r in ref.execute("SELECT term FROM search_terms ORDER BY termid").fetchall()]
    rng = random.Random(3)
    queries = [" ".join(rng.sample(words[:5000], 2)) for _ in range(20)]
    ours_s = theirs_s = 0.0
    for q in queries:
        t, a = timed(lambda: ref.execute(
            "SELECT article_id, score FROM bm25($q) ORDER BY score DESC, article_id LIMIT 20", {"q": q}).fetchall())
        ours_s += t
        t, b = timed(lambda: ref.execute(
            "SELECT article_id, fts_main_articles.match_bm25(article_id, $q) AS s FROM articles "
            "WHERE s IS NOT NULL ORDER BY s DESC, article_id LIMIT 20", {"q": q}).fetchall())
        theirs_s += t
        if [r[0] for r in a] != [r[0] for r in b] or any(abs(x[1] - y[1]) > 1e-9 for x, y in zip(a, b)):
            sys.exit(f"results differ for {q!r}:\n{a}\n{b}")
    print(f"20 two-word queries, top 20 (same ids, order and scores): newsflow {ours_s * 1000 / 20:.0f} ms each, "
          f"fts match_bm25 {theirs_s * 1000 / 20:.0f} ms each")

    ref.execute(INSERT, {"ids": ids[n:], "titles": titles[n:], "texts": texts[n:]})
    ref.execute("BEGIN TRANSACTION")
    inc_s, added = timed(lambda: update_index(ref))
    ref.execute("COMMIT")
    print(f"duckdb    newsflow index, incremental update (+{added} onto {n}): {inc_s:.2f} s")
    ref.close()
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
