"""Pair precision/recall of the dedup stage on a labelled set built from real article texts.

    python bench/dedup_quality.py [--copies-per-article 3] [--seed 5] [--batches 1]

Base texts: the hand-marked ``articleBody`` of the 90 dev pages in
../shared/eval/extraction-dev/ground-truth.json (clean article texts). For each,
copies are made with the patterns of flows/evaluation/corpus.py (exact after
case/quote changes, trimmed to about two thirds, a local paragraph added, a
new opening paragraph, light re-editing, spam tokens, another site's template,
combinations), with filler paragraphs taken from *other* dev articles. Hard
non-copies: two different articles carrying the same boilerplate block, an
article quoting a paragraph of another, and short briefs under a long
boilerplate block. Truth: copies of one base form a cluster; everything else
is distinct. Prints pair precision and recall over all pairs, recall per copy
pattern, and false positives per non-copy pattern.
"""
from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from _dedup_common import ROOT, to_article

from flows import storage
from flows.dedup import dedup_batch
from flows.settings import Settings

from flows.evaluation.corpus import BOILERPLATE, COPY_PATTERNS, World

GROUND_TRUTH = ROOT.parent / "shared" / "eval" / "extraction-dev" / "ground-truth.json"


def dev_texts(path: Path = GROUND_TRUTH) -> list[list[str]]:
    """The dev articles as paragraph lists (long single blocks split every 3 sentences)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for key in sorted(data):
        body = data[key]["articleBody"].strip()
        paras = [p.strip() for p in body.split("\n") if p.strip()]
        if len(paras) < 3:
            sentences = [s for s in body.replace("\n", " ").split(". ") if s]
            paras = [". ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3)]
        if sum(len(p.split()) for p in paras) >= 60:
            out.append(paras)
    return out


def build_set(copies_per_article: int = 3, seed: int = 5):
    """(docs, truth cluster per doc, pattern per doc, negative pairs with their pattern)."""
    rng = random.Random(seed)
    bases = dev_texts()
    docs: list[tuple[str, str, dt.date]] = []  # key, text, published
    cluster: dict[str, str] = {}
    pattern: dict[str, str] = {}
    negatives: list[tuple[str, str, str]] = []
    day0 = dt.date(2024, 1, 1)

    def filler(r):
        other = r.choice(bases)
        return r.choice(other)

    def add(key, paras, published, clu, pat):
        docs.append((key, "\n\n".join(paras), published))
        cluster[key] = clu
        pattern[key] = pat

    names = list(COPY_PATTERNS)
    k = 0
    for i, paras in enumerate(bases):
        base_key = f"dev{i:03d}"
        add(base_key, paras, day0 + dt.timedelta(days=i), base_key, "base")
        for c in range(copies_per_article):
            pat = names[k % len(names)]
            k += 1
            add(f"{base_key}-c{c}-{pat}", COPY_PATTERNS[pat](paras, rng, filler),
                day0 + dt.timedelta(days=i + rng.randint(-2, 20)), base_key, pat)
    # different stories sharing a boilerplate block: each is a (template) copy of its own base
    for n in range(40):
        i, j = rng.sample(range(len(bases)), 2)
        block = BOILERPLATE[n % len(BOILERPLATE)]
        a, b = f"dev{i:03d}-boiler{n}a", f"dev{j:03d}-boiler{n}b"
        add(a, bases[i] + [block], day0 + dt.timedelta(days=i + 1), f"dev{i:03d}", "site_template")
        add(b, bases[j] + [block], day0 + dt.timedelta(days=j + 1), f"dev{j:03d}", "site_template")
        negatives.append((a, b, "shared_boilerplate"))
    # an article quoting one paragraph of another
    for n in range(40):
        i, j = rng.sample(range(len(bases)), 2)
        quoted = rng.choice(bases[i])
        own = list(bases[j])
        own.insert(rng.randint(1, len(own)), quoted)
        key = f"dev{j:03d}-quotes{n}"
        add(key, own, day0 + dt.timedelta(days=j + 2), f"dev{j:03d}", "local_paragraph")
        negatives.append((f"dev{i:03d}", key, "shared_quote"))
    # short briefs under one long boilerplate block (the block outweighs the brief)
    world = World.make(seed)
    long_block = " ".join(BOILERPLATE[:3])
    briefs = []
    for n in range(30):
        key = f"brief{n:02d}"
        brief = [world.paragraph(rng, rng.sample(world.names, 2), 3), long_block]
        add(key, brief, day0 + dt.timedelta(days=n), key, "base")
        briefs.append(key)
    for a, b in zip(briefs, briefs[1:]):
        negatives.append((a, b, "short_brief_boilerplate"))
    return docs, cluster, pattern, negatives


def evaluate(n_batches: int = 1, copies_per_article: int = 3, seed: int = 5, order_seed: int = 0) -> dict:
    docs, cluster, pattern, negatives = build_set(copies_per_article, seed)
    order = list(docs)
    random.Random(order_seed).shuffle(order)
    arts = [to_article(k, t, p) for k, t, p in order]
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        con = storage.connect(Path(tmp) / "quality.duckdb")
        size = -(-len(arts) // n_batches)
        t0 = time.perf_counter()
        for i in range(0, len(arts), size):
            con.execute("BEGIN TRANSACTION")
            dedup_batch(con, arts[i:i + size], "quality", settings)
            con.execute("COMMIT")
        seconds = time.perf_counter() - t0
        canon = dict(con.execute("SELECT article_id, canonical_id FROM duplicates").fetchall())
        con.close()
    pred = {k: canon.get(k, k) for k, _, _ in docs}
    by_pred, by_true = defaultdict(list), defaultdict(list)
    for k in pred:
        by_pred[pred[k]].append(k)
        by_true[cluster[k]].append(k)
    pred_pairs = {tuple(sorted(p)) for g in by_pred.values() for p in itertools.combinations(g, 2)}
    true_pairs = {tuple(sorted(p)) for g in by_true.values() for p in itertools.combinations(g, 2)}
    tp = len(pred_pairs & true_pairs)
    precision = tp / len(pred_pairs) if pred_pairs else 1.0
    recall = tp / len(true_pairs) if true_pairs else 1.0
    per_pattern: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for k in pred:
        if pattern[k] != "base":
            per_pattern[pattern[k]][1] += 1
            per_pattern[pattern[k]][0] += pred[k] == pred[cluster[k]]
    fp_by_neg = Counter()
    n_by_neg = Counter()
    for a, b, pat in negatives:
        n_by_neg[pat] += 1
        fp_by_neg[pat] += pred[a] == pred[b]
    wrong = sorted(pred_pairs - true_pairs)[:10]
    return {"docs": len(docs), "true_pairs": len(true_pairs), "predicted_pairs": len(pred_pairs), "tp": tp,
            "precision": precision, "recall": recall, "seconds": seconds,
            "recall_by_pattern": {p: f"{c}/{n}" for p, (c, n) in sorted(per_pattern.items())},
            "false_positives_by_negative": {p: f"{fp_by_neg[p]}/{n_by_neg[p]}" for p in sorted(n_by_neg)},
            "example_false_pairs": wrong,
            "missed_examples": sorted(true_pairs - pred_pairs)[:10]}


def evaluate_synthetic(n: int, n_batches: int = 1, seed: int = 2) -> dict:
    """The same pair metrics on the generator's corpus (planted clusters are the truth)."""
    from flows.evaluation.corpus import generate

    gen, labels = generate(n, seed=seed)
    arts = [to_article(g.key, g.text, g.published, g.title) for g in gen]
    with tempfile.TemporaryDirectory() as tmp:
        con = storage.connect(Path(tmp) / "synthetic.duckdb")
        size = -(-len(arts) // n_batches)
        for i in range(0, len(arts), size):
            con.execute("BEGIN TRANSACTION")
            dedup_batch(con, arts[i:i + size], "quality", Settings())
            con.execute("COMMIT")
        canon = dict(con.execute("SELECT article_id, canonical_id FROM duplicates").fetchall())
        con.close()
    pred = {g.key: canon.get(g.key, g.key) for g in gen}
    by_pred, by_true = defaultdict(list), defaultdict(list)
    for g in gen:
        by_pred[pred[g.key]].append(g.key)
        by_true[g.cluster].append(g.key)
    pp = {tuple(sorted(p)) for v in by_pred.values() for p in itertools.combinations(v, 2)}
    tp_ = {tuple(sorted(p)) for v in by_true.values() for p in itertools.combinations(v, 2)}
    tp = len(pp & tp_)
    neg = [lb for lb in labels if lb["label"] == "not_copy"]
    return {"docs": n, "precision": tp / len(pp) if pp else 1.0, "recall": tp / len(tp_) if tp_ else 1.0,
            "true_pairs": len(tp_), "predicted_pairs": len(pp),
            "negatives_merged": sum(pred[lb["a"]] == pred[lb["b"]] for lb in neg), "negatives": len(neg)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies-per-article", type=int, default=3)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--batches", type=int, default=1)
    ap.add_argument("--synthetic", type=int, default=0, help="also score the generator's corpus of this size")
    args = ap.parse_args(argv)
    r = evaluate(args.batches, args.copies_per_article, args.seed)
    print(f"labelled set from {r['docs']} documents (90 dev article bodies, copies and non-copies): "
          f"{r['true_pairs']} copy pairs, {r['predicted_pairs']} predicted")
    print(f"pair precision {r['precision']:.4f}  recall {r['recall']:.4f}  ({r['seconds']:.2f} s, {args.batches} batch(es))")
    print("recall by copy pattern:", r["recall_by_pattern"])
    print("false positives by non-copy pattern:", r["false_positives_by_negative"])
    if r["example_false_pairs"]:
        print("false pairs (first 10):", r["example_false_pairs"])
    if r["missed_examples"]:
        print("missed pairs (first 10):", r["missed_examples"])
    if args.synthetic:
        s = evaluate_synthetic(args.synthetic, args.batches)
        print(f"synthetic corpus of {s['docs']} (generate_corpus.py): pair precision {s['precision']:.4f}  "
              f"recall {s['recall']:.4f}  ({s['true_pairs']} planted copy pairs, {s['predicted_pairs']} predicted); "
              f"hard non-copy pairs merged: {s['negatives_merged']}/{s['negatives']}")


if __name__ == "__main__":
    main()
