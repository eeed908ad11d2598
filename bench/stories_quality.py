"""How well the stories step groups one event and keeps events apart, and what it costs.

    python bench/stories_quality.py [--folds 5] [--n-speed 10000]

Three measurements, one run:

1. Dev pairs (../shared/eval/stories-dev: 210 Russian pairs, people's labels
   same event or not): agreement of "same story" with the label. The story
   threshold is chosen on the pairs, so the honest figure is k-fold
   cross-validated: pairs sharing an article are one group (grouping by site
   as well leaves one group of 137 of the 210 pairs: the sites interlink),
   groups are dealt into folds, and each
   fold is scored with the threshold chosen on the others. Printed first; then
   the in-sample figure (threshold chosen on all pairs) and a naive baseline
   (same story iff the word-set Jaccard of the two texts passes a threshold,
   cross-validated the same way).
2. Same kind, different event (material the thresholds never saw): every page
   of ../shared/eval/news-dev and multilingual-dev (26 languages) becomes two
   reports of its event that share no sentence (the odd paragraphs, the even
   paragraphs; neither gets the page's title, which would make them too alike). Hard negatives are pages
   of the same kind: pages of the same site or publisher, and each page's
   nearest other page by idf-weighted words. Scored as pairwise F1 over all
   reports, and the share of same-kind-different-event report pairs merged;
   with the pages' published dates, and again without any date.
3. The seeds in one story, and the time of the stories step (features plus
   assignment through DuckDB) per 10,000 articles next to the whole dedup
   stage's time in the same run (generated corpus, bench/generate_corpus.py).

Sections 1 and 2 run the clustering core in memory (flows/dedup/stories.py
StoryBook, the same code the DuckDB path drives); the chosen setting is then
scored again through the real dedup stage on DuckDB.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import re
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

from _dedup_common import ROOT, to_article

from flows import storage
from flows.dedup import dedup_batch
from flows.dedup.stories import Doc, StoryBook, StoryParams
from flows.dedup.story_features import PREFIX_CHARS, TITLE_BOOST, features
from flows.settings import Settings

EVAL = ROOT.parent / "shared" / "eval"
THRESHOLDS = [round(0.10 + 0.025 * i, 3) for i in range(21)]
FEATURE_GRID = [(0, 2.0), (0, 4.0), (6, 2.0), (6, 4.0), (5, 2.0), (5, 4.0)]
SHARED_GRID = [2, 3]


# ---------------------------------------------------------------- material

def dev_pairs() -> tuple[list[dict], list[dict]]:
    docs = [json.loads(line) for line in (EVAL / "stories-dev" / "docs.jsonl").open(encoding="utf-8")]
    pairs = json.loads((EVAL / "stories-dev" / "pairs.json").read_text(encoding="utf-8"))
    return docs, pairs


def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", body) if len(p.strip()) > 40]


def same_kind_set() -> tuple[list[dict], list[tuple[str, str]]]:
    """Two reports per page, and the same-kind page pairs (hard negatives)."""
    pages = []
    for name, sub in (("news", "news-dev"), ("ml", "multilingual-dev")):
        gt = json.loads((EVAL / sub / "ground-truth.json").read_text(encoding="utf-8"))
        for key, v in sorted(gt.items()):
            paras = _paragraphs(v.get("articleBody") or "")
            if len(paras) < 4 or len(" ".join(paras).split()) < 120:
                continue
            site = urlparse(v["site"]).netloc if v.get("site") else v.get("publisher")
            date = dt.date.fromisoformat(v["date"][:10]) if v.get("date") else None
            pages.append({"page": f"{name}:{key}", "site": f"{name}:{site}", "title": v.get("title"), "paras": paras,
                          "date": date})
    reports = []
    for p in pages:
        reports.append({"key": p["page"] + "#a", "page": p["page"], "title": None,
                        "text": "\n\n".join(p["paras"][0::2]), "date": p["date"]})
        reports.append({"key": p["page"] + "#b", "page": p["page"], "title": None,
                        "text": "\n\n".join(p["paras"][1::2]), "date": p["date"]})
    neg: set[tuple[str, str]] = set()
    by_site = defaultdict(list)
    for p in pages:
        by_site[p["site"]].append(p["page"])
    for members in by_site.values():
        neg |= {(a, b) for i, a in enumerate(members) for b in members[i + 1:]}
    vecs = _idf_vectors({p["page"]: " ".join(p["paras"]) for p in pages})
    for a in vecs:  # the nearest other page: the same kind of news, by words
        best = max((b for b in vecs if b != a), key=lambda b: (_cos(vecs[a], vecs[b]), b))
        neg.add(tuple(sorted((a, best))))
    return reports, sorted(neg)


def _idf_vectors(texts: dict[str, str]) -> dict[str, dict[str, float]]:
    sets = {k: Counter(re.findall(r"\w+", t.lower())) for k, t in texts.items()}
    df = Counter(w for c in sets.values() for w in c)
    n = len(sets)
    out = {}
    for k, c in sets.items():
        v = {w: (1 + math.log(x)) * math.log(n / df[w]) for w, x in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        out[k] = {w: x / norm for w, x in v.items()}
    return out


def _cos(a: dict, b: dict) -> float:
    if len(b) < len(a):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


# ---------------------------------------------------------------- clustering in memory

def cluster(items: list[dict], params: StoryParams, dates: bool = True) -> dict[str, str]:
    """key -> story id, items in the given (arrival) order."""
    book = StoryBook(params)
    docs = [Doc(i, it["key"], it["feats"], it.get("date") if dates else None) for i, it in enumerate(items)]
    return dict(zip((it["key"] for it in items), book.add_all(docs)))


def _agreement(pairs: list[dict], same) -> float:
    return sum((same(p["a"], p["b"])) == p["same"] for p in pairs) / len(pairs) if pairs else float("nan")


def pair_folds(pairs: list[dict], k: int, by_site: bool = False) -> list[int]:
    """Fold of each pair: pairs sharing an article or a site stay in one fold."""
    parent: dict[str, str] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x, y):
        parent[find(x)] = find(y)

    for p in pairs:
        union(p["a"], p["b"])
        if by_site:
            union(p["a"], "site:" + urlparse(p["a"]).netloc)
            union(p["b"], "site:" + urlparse(p["b"]).netloc)
    groups = sorted({find(p["a"]) for p in pairs}, key=lambda g: zlib.crc32(g.encode()))
    sizes = Counter(find(p["a"]) for p in pairs)
    fold_of, load = {}, [0] * k
    for g in sorted(groups, key=lambda g: (-sizes[g], zlib.crc32(g.encode()))):  # biggest groups first, to the lightest fold
        f = min(range(k), key=lambda i: (load[i], i))
        fold_of[g] = f
        load[f] += sizes[g]
    return [fold_of[find(p["a"])] for p in pairs]


def cross_validated(pairs: list[dict], folds: list[int], k: int, correct_by_setting: dict) -> tuple[float, dict]:
    """Agreement on each held-out fold with the setting best on the other folds; pooled over pairs."""
    hits, chosen = 0, {}
    for f in range(k):
        train = [i for i, x in enumerate(folds) if x != f]
        test = [i for i, x in enumerate(folds) if x == f]
        best = max(sorted(correct_by_setting), key=lambda s: sum(correct_by_setting[s][i] for i in train))
        chosen[f] = best
        hits += sum(correct_by_setting[best][i] for i in test)
    return hits / len(pairs), chosen


def jaccard(a: str, b: str) -> float:
    x, y = set(re.findall(r"\w+", a.lower())), set(re.findall(r"\w+", b.lower()))
    return len(x & y) / len(x | y) if x | y else 0.0


def _pair_features(docs: list[dict], pairs: list[dict]) -> list[list[float]]:
    """Per pair: cosine of the story vectors, share and count of shared names, share of shared numbers."""
    from flows.dedup.story_features import _CAPITAL, _DIGIT, _tokens

    book = StoryBook(StoryParams())
    ds = [Doc(i, d["url"], features(d.get("title"), d["text"])[0]) for i, d in enumerate(docs)]
    book.vectorise(ds)
    vec = {d.article_id: d.vector for d in ds}
    names, nums = {}, {}
    for d in docs:
        body = d["text"][:2000]
        toks = Counter(w.lower()[:PREFIX_CHARS] for w in _tokens(body))
        caps = Counter(c.lower()[:PREFIX_CHARS] for c in _CAPITAL.findall(body))
        names[d["url"]] = {w for w, c in caps.items() if toks.get(w) == c}
        nums[d["url"]] = {w for w in _tokens(body) if _DIGIT.search(w)}
    out = []
    for p in pairs:
        a, b = p["a"], p["b"]
        na, nb, ma, mb = names[a], names[b], nums[a], nums[b]
        out.append([_cos(vec[a], vec[b]), len(na & nb) / max(1, min(len(na), len(nb))), float(len(na & nb)),
                    len(ma & mb) / max(1, min(len(ma), len(mb)))])
    return out


def _median_cosine(docs: list[dict], pairs: list[tuple[str, str]]) -> float:
    """Median cosine of the story vectors (frequencies of ``docs``) over ``pairs``."""
    book = StoryBook(StoryParams())
    ds = [Doc(i, d["url"], features(d.get("title"), d["text"])[0]) for i, d in enumerate(docs)]
    book.vectorise(ds)
    vec = {d.article_id: d.vector for d in ds}
    cs = sorted(_cos(vec[a], vec[b]) for a, b in pairs)
    return cs[len(cs) // 2]


def _logistic(x, y, l2: float = 1.0):
    """Weights (last: intercept) of an L2-regularised logistic regression, by Newton steps."""
    import numpy as np

    xb = np.c_[x, np.ones(len(x))]
    w = np.zeros(xb.shape[1])
    reg = l2 * np.r_[np.ones(len(w) - 1), 0.0]
    for _ in range(30):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        w -= np.linalg.solve(xb.T @ (xb * (p * (1 - p))[:, None]) + np.diag(reg), xb.T @ (p - y) + reg * w)
    return w


def learned_pair_scorer(docs: list[dict], pairs: list[dict], folds: list[int], k: int) -> tuple[float, float]:
    """Pairwise agreement, cross-validated: a logistic regression on language-independent pair features
    trained on the other folds, against the cosine alone with its threshold chosen on the other folds."""
    import numpy as np

    x = np.array(_pair_features(docs, pairs))
    y = np.array([p["same"] for p in pairs], float)
    f = np.array(folds)
    lr_hits = cos_hits = 0
    for i in range(k):
        tr, te = f != i, f == i
        w = _logistic(x[tr], y[tr])
        lr_hits += int(((np.c_[x[te], np.ones(te.sum())] @ w > 0) == (y[te] > 0.5)).sum())
        th = max(np.unique(x[tr, 0]), key=lambda t: (((x[tr, 0] >= t) == (y[tr] > 0.5)).sum(), -t))
        cos_hits += int(((x[te, 0] >= th) == (y[te] > 0.5)).sum())
    return lr_hits / len(pairs), cos_hits / len(pairs)


def generated_scores(n: int = 10000) -> tuple[float, float, int]:
    """Pairwise precision and recall of stories on the generated corpus (its planted events), in memory."""
    from flows.evaluation.corpus import generate

    arts, _ = generate(n, seed=11)
    got = StoryBook(StoryParams()).add_all([Doc(i, a.key, features(a.title, a.text)[0], a.published)
                                            for i, a in enumerate(arts)])
    pairs_of = lambda c: sum(x * (x - 1) // 2 for x in c.values())  # noqa: E731
    tp = pairs_of(Counter(zip(got, (a.story for a in arts))))
    return tp / max(1, pairs_of(Counter(got))), tp / max(1, pairs_of(Counter(a.story for a in arts))), len(set(got))


# ---------------------------------------------------------------- scoring the same-kind set

def same_kind_scores(reports: list[dict], neg: list[tuple[str, str]], story: dict[str, str]) -> dict:
    by_page = defaultdict(list)
    for r in reports:
        by_page[r["page"]].append(r["key"])
    by_story = defaultdict(list)
    for r in reports:
        by_story[story[r["key"]]].append(r["page"])
    pred_pairs = sum(len(v) * (len(v) - 1) // 2 for v in by_story.values())
    tp = sum(sum(c * (c - 1) // 2 for c in Counter(v).values()) for v in by_story.values())
    true_pairs = sum(len(v) * (len(v) - 1) // 2 for v in by_page.values())
    prec = tp / pred_pairs if pred_pairs else 1.0
    rec = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    merged = total = 0
    for a, b in neg:
        for x in by_page[a]:
            for y in by_page[b]:
                total += 1
                merged += story[x] == story[y]
    return {"f1": f1, "precision": prec, "recall": rec, "same_kind_merged": merged / total if total else 0.0,
            "same_kind_pairs": total}


# ---------------------------------------------------------------- through DuckDB

def ingest_all(items: list[dict], batch: int, settings: Settings, dates: bool = True):
    from flows.storage.writes import article_table

    with tempfile.TemporaryDirectory() as tmp:
        con = storage.connect(str(Path(tmp) / "s.duckdb"))
        arts = [to_article(it["key"], it["text"], it.get("date") if dates else None, it.get("title")) for it in items]
        secs = 0.0
        for i in range(0, len(arts), batch):
            part = arts[i:i + batch]
            con.execute("BEGIN TRANSACTION")
            storage.insert_arrow(con, "queries/articles/insert_articles", article_table(part), {"run_id": "b", "code_version": "bench"})
            t = time.perf_counter()
            dedup_batch(con, part, "b", settings)
            secs += time.perf_counter() - t
            con.execute("COMMIT")
        story = dict(con.execute("SELECT article_id, story_id FROM stories").fetchall())
        con.close()
    return story, secs


def seeds_one_story() -> tuple[int, int]:
    from flows.clean import clean_document
    from flows.records import RawDocument

    items = []
    for path in sorted((ROOT / "flows" / "samples").glob("*.txt")):
        art = clean_document(RawDocument(source=str(path), kind="text", content=path.read_bytes()), Settings())
        items.append({"key": art.article_id, "text": art.text, "title": art.title, "date": art.published_date})
    story, _ = ingest_all(items, 100, Settings())
    return len(story), len(set(story.values()))


def speed(n: int, repeats: int = 2, batch: int = 2000) -> None:
    """Stories step (features + assignment on DuckDB) per 10,000 articles, against the rest of the dedup stage.

    Batches of 2,000 as ``newsflow run`` cuts them. Best of ``repeats`` runs (the machine is shared).
    The assignment is what the run's writer does; the features are computed in the signature worker
    processes, in parallel with it. Compare with the whole run's time (``dedup_speed.py --whole-run``)."""
    import flows.dedup.batch as dedup_pkg  # the module whose dedup_batch calls assign_stories
    from flows.dedup import stories as stories_mod
    from flows.evaluation.corpus import generate

    arts, _ = generate(n, seed=11)
    items = [{"key": a.key, "text": a.text, "title": a.title, "date": a.published} for a in arts]
    real = stories_mod.assign_stories
    best = None
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        for it in items:
            features(it["title"], it["text"])
        feat_s, feat_cpu = time.perf_counter() - t, time.process_time() - c
        spent = [0.0, 0.0]

        def timed(*a, **k):
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return real(*a, **k)
            finally:
                spent[0] += time.perf_counter() - t0
                spent[1] += time.process_time() - c0

        dedup_pkg.assign_stories = timed
        try:
            _, dedup_s = ingest_all(items, batch, Settings())
        finally:
            dedup_pkg.assign_stories = real
        rest = dedup_s - spent[0] - feat_s  # dedup_batch computes the signatures (and features) itself here
        got = (feat_s + spent[0], feat_s, spent[0], rest, feat_cpu, spent[1])
        best = got if best is None or got[0] < best[0] else best
    stories_s, feat_s, assign_s, rest, feat_cpu, assign_cpu = best
    per10k = 10000 / n
    print(f"speed ({n} generated articles, batches of {batch}, best of {repeats}, load average "
          f"{os.getloadavg()[0]:.1f}): stories {stories_s * per10k:.2f} s per 10,000 articles (features "
          f"{feat_s * per10k:.2f} s, in the signature workers; assignment on DuckDB {assign_s * per10k:.2f} s, "
          f"in the writer); rest of the dedup stage {rest * per10k:.2f} s per 10,000; "
          f"stories / rest of dedup = {stories_s / rest:.2f}")
    print(f"  CPU seconds per 10,000 articles (less sensitive to other load): features {feat_cpu * per10k:.2f}, "
          f"assignment {assign_cpu * per10k:.2f} (all threads of the process, DuckDB's included)")


# ---------------------------------------------------------------- main

def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--n-speed", type=int, default=20000)
    ap.add_argument("--skip-speed", action="store_true")
    args = ap.parse_args(argv)
    base = StoryParams()

    docs, pairs = dev_pairs()
    folds = pair_folds(pairs, args.folds)
    correct = {}  # setting (prefix letters, title boost, shared terms, threshold) -> per pair: agrees with the label
    for prefix, tboost in FEATURE_GRID:
        its = [{"key": d["url"], "feats": features(d.get("title"), d["text"], prefix, title_boost=tboost)[0]}
               for d in docs]
        for shared in SHARED_GRID:
            for th in THRESHOLDS:
                story = cluster(its, replace(base, threshold=th, min_shared_terms=shared))
                correct[(prefix, tboost, shared, th)] = [(story[p["a"]] == story[p["b"]]) == p["same"] for p in pairs]
    items = [{"key": d["url"], "title": d.get("title"), "text": d["text"], "feats": features(d.get("title"), d["text"])[0]}
             for d in docs]
    cv, chosen = cross_validated(pairs, folds, args.folds, {k: v for k, v in correct.items()
                                                            if k[2] == base.min_shared_terms})
    cv_all, _ = cross_validated(pairs, folds, args.folds, correct)
    in_th = max(correct, key=lambda s: sum(correct[s]))
    shipped = (PREFIX_CHARS, TITLE_BOOST, base.min_shared_terms, base.threshold)
    text_of = {d["url"]: d["text"] for d in docs}
    jac = [jaccard(text_of[p["a"]], text_of[p["b"]]) for p in pairs]
    base_correct = {t: [(j >= t) == p["same"] for j, p in zip(jac, pairs)] for t in [i / 100 for i in range(1, 60)]}
    base_cv, _ = cross_validated(pairs, folds, args.folds, base_correct)
    base_in = max(sum(v) for v in base_correct.values()) / len(pairs)
    print(f"dev pairs ({len(pairs)} Russian, {sum(p['same'] for p in pairs)} same event), {args.folds}-fold CV by pair "
          f"group:")
    print(f"  stories      cross-validated agreement {cv:.3f} (shipped candidate rule; settings chosen per fold: "
          f"{sorted(set(chosen.values()))}); in-sample {sum(correct[in_th]) / len(pairs):.3f} at {in_th}; "
          f"shipped setting {shipped}: {sum(correct.get(shipped, [0])) / len(pairs):.3f}  "
          f"(setting = prefix letters, title boost, candidate stories share this many of the article's "
          f"{base.lookup_terms} heaviest terms, threshold)")
    print(f"  baseline     word-set Jaccard: cross-validated {base_cv:.3f}; in-sample {base_in:.3f}")
    print("  candidate rule, each cross-validated over the other settings: " + "; ".join(
        f"sharing {shared} terms {cross_validated(pairs, folds, args.folds, {k: v for k, v in correct.items() if k[2] == shared})[0]:.3f}"
        for shared in SHARED_GRID) + f"; the rule chosen per fold as well: {cv_all:.3f}")
    lr_cv, cos_cv = learned_pair_scorer(docs, pairs, folds, args.folds)
    print(f"  learned pair scorer (logistic regression on cosine, name overlap, shared names, number overlap; "
          f"trained per fold), pairwise: cross-validated {lr_cv:.3f}; cosine alone, threshold per fold: {cos_cv:.3f}")

    reports, neg = same_kind_set()
    for r in reports:
        r["feats"] = features(r["title"], r["text"])[0]
    order = list(reports)
    random.Random(7).shuffle(order)
    n_pages = len({r["page"] for r in reports})
    print(f"same-kind set: {len(reports)} reports of {n_pages} pages (news-dev + multilingual-dev), "
          f"{len(neg)} same-kind page pairs; shipped setting {shipped}:")
    for dates in (True, False):
        sc = same_kind_scores(reports, neg, cluster(order, base, dates))
        print(f"  {'with dates   ' if dates else 'without dates'} pairwise F1 {sc['f1']:.3f} (P {sc['precision']:.3f}, "
              f"R {sc['recall']:.3f}); same-kind-different-event merged {sc['same_kind_merged']:.3%} "
              f"of {sc['same_kind_pairs']}")
    sweep = []
    for th in (0.25, 0.30):
        sc = same_kind_scores(reports, neg, cluster(order, replace(base, threshold=th), True))
        sweep.append(f"{th:.2f}: F1 {sc['f1']:.3f} (R {sc['recall']:.3f}), merged {sc['same_kind_merged']:.1%}")
    print("  other thresholds, with dates (not chosen on this set): " + "; ".join(sweep))
    print(f"  median cosine of one event's two reports: same-kind set (halves of a page) "
          f"{_median_cosine([{'title': None, 'text': r['text'], 'url': r['key']} for r in reports], [(p + '#a', p + '#b') for p in sorted({r['page'] for r in reports})]):.3f}; "
          f"dev pairs (two sites' reports) {_median_cosine(docs, [(p['a'], p['b']) for p in pairs if p['same']]):.3f}, "
          f"titles removed {_median_cosine([dict(d, title=None) for d in docs], [(p['a'], p['b']) for p in pairs if p['same']]):.3f}")
    sk_pairs = [{"a": a, "b": b, "same": True} for a, b in {(r["page"] + "#a", r["page"] + "#b") for r in reports}]
    sk_pairs += [{"a": x + s, "b": y + t, "same": False} for x, y in neg for s in ("#a", "#b") for t in ("#a", "#b")]
    st = cluster(order, base, False)
    text_r = {r["key"]: r["text"] for r in reports}
    best_j = max((sum((jaccard(text_r[p["a"]], text_r[p["b"]]) >= t) == p["same"] for p in sk_pairs), t)
                 for t in [i / 100 for i in range(1, 40, 2)])
    print(f"  pair agreement (same page vs same-kind pages, no dates): stories "
          f"{_agreement(sk_pairs, lambda a, b: st[a] == st[b]):.3f}; baseline Jaccard best-case "
          f"{best_j[0] / len(sk_pairs):.3f} at {best_j[1]}")

    story, _ = ingest_all([dict(it) for it in items], 100, Settings())
    print(f"through DuckDB (dedup stage, batches of 100): dev pairs agree "
          f"{_agreement(pairs, lambda a, b: story[a] == story[b]):.3f}")
    story, _ = ingest_all(order, 200, Settings())
    sc = same_kind_scores(reports, neg, story)
    print(f"through DuckDB, same-kind set with dates: pairwise F1 {sc['f1']:.3f}, merged {sc['same_kind_merged']:.3%}")
    gp, gr, gk = generated_scores()
    print(f"generated corpus (10,000 articles, planted events; in memory): pairwise precision {gp:.3f}, recall {gr:.3f}, "
          f"{gk} stories")
    n, k = seeds_one_story()
    print(f"seeds: {n} articles in {k} story{'ies' if k != 1 else ''}")
    if not args.skip_speed:
        speed(args.n_speed)


if __name__ == "__main__":
    main()
