"""Classical signals not tried before (session 7), measured beside the shipped term cosine (same run).

    python bench/stories_classical.py

Every figure is 5-fold cross-validated on the 210 Russian dev pairs
(../shared/eval/stories-dev), folds by pair group as in stories_quality.py,
every knob (threshold, blend weight, exponent, k) chosen on the other folds
(``cv_blend`` / ``cross_validated``). Pairwise first: one similarity per pair,
same event iff it passes the threshold, alone and blended with the shipped
term cosine (``cosine + w x signal``, w chosen per fold; weight 0 is among the
choices, so a blend can only lose by overfitting the weight). Each family's
honest figure has the variant chosen per fold as well (``cv_family``): the
best line of a family, picked after the fact, flatters it. Candidates:

1. character n-grams inside words (boundary-marked ``<word>``; 3-5, 4-5, 4 or 5
   letters), weighted by rarity like the shipped terms, instead of or beside
   the 5-letter prefixes (Russian morphology without a stemmer);
2. term-frequency shapes (binary, raw, log(1 + tf), BM25 saturation with k1
   and length normalisation b), pivoted length normalisation of the cosine,
   and rarity raised to a power (idf^a);
3. overlap of each article's k rarest terms (share present in the other),
   and the rarity of the rarest shared term;
4. after looking at the errors (paraphrased reports of one event; one
   region's weather or death toll on two days): the term cosine of the
   title and first sentence only, the share of the heaviest terms shared,
   latent semantic analysis of the term vectors (co-occurrence, for the
   paraphrases), the numbers of the first sentence or lead (a conflict
   penalty, their Jaccard), for the different days, and local scaling
   (CSLS: a pair's cosine discounted by how close each article is to its
   nearest others, so a crowded topic such as the weather needs more).

A variant whose pairwise figure is clearly above the shipped cosine's would
then be scored through the clustering (StoryBook) as stories_quality.py's
headline figure (``stories_cv``). None was; the character n-grams, the
first candidate, are scored through it anyway, beside the shipped features.
"""
from __future__ import annotations

import math
import os
import re
from collections import Counter
from dataclasses import replace

import numpy as np
from _dedup_common import ROOT  # noqa: F401  (puts the repository on sys.path)
from stories_alternatives import FOLDS, cv_blend, stories_cv
from stories_quality import _pair_features, dev_pairs, pair_folds

from flows.dedup import stories as stories_mod
from flows.dedup import story_features as sf

BLEND = [0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0]


# ---------------------------------------------------------------- features with knobs

def word_features(title: str | None, text: str, tf=None, prefix_chars: int = sf.PREFIX_CHARS) -> dict[str, float]:
    """The shipped features with another term-frequency shape: ``tf(count, lead_tokens)`` instead of 1 + log(count)."""
    if tf is None:
        return sf.features(title, text, prefix_chars=prefix_chars)[0]
    body = text[:sf.LEAD_CHARS].translate(sf._YO)
    toks = sf._tokens(body.lower())
    real = sf._SUBLINEAR
    counts = Counter(toks)
    table = [0.0] + [tf(c, len(toks)) for c in range(1, max(counts.values(), default=1) + 1)]
    try:
        sf._SUBLINEAR = table  # read by features() at each call
        return sf.features(title, text, prefix_chars=prefix_chars)[0]
    finally:
        sf._SUBLINEAR = real


def char_grams(title: str | None, text: str, sizes=(3, 4, 5), combine: str = "max") -> dict[str, float]:
    """Boundary-marked character n-grams of each word (``<сахар>`` -> ``<са``, ``сах``, ...), each with its
    word's prior weight (boosts and count as shipped): the heaviest word's (``max``) or the sum (``sum``).
    Numbers stay whole (a digit string's grams would match other numbers)."""
    words = sf.features(title, text, prefix_chars=0)[0]
    out: dict[str, float] = {}
    for t, w in words.items():
        if t[0].isdigit() or not t.isalpha():
            grams = [t]
        else:
            m = "<" + t + ">"
            grams = [m[i:i + n] for n in sizes for i in range(len(m) - n + 1)] if len(m) > min(sizes) else [m]
        for g in dict.fromkeys(grams):
            out[g] = max(out.get(g, 0.0), w) if combine == "max" else out.get(g, 0.0) + w
    return out


def numbers(text: str) -> set[str]:
    """The tokens with a digit (dates, tolls, sums): the same in any language."""
    return {t for t in sf._tokens(text.lower()) if sf._DIGIT.search(t)}


def first_sentence(text: str) -> str:
    m = re.search(r"[.!?。]\s", text[:600])
    return text[:m.end()] if m else text[:300]


# ---------------------------------------------------------------- vectors

class Vectors:
    """Rarity-weighted vectors of the articles in arrival order, kept unnormalised: the shipped formula,
    prior x (log(N + prior_docs) - log(df + 1)) with N and df counted over the articles before it and
    itself, as StoryBook.vectorise does (the shipped features give exactly its cosines)."""

    def __init__(self, feats: list[dict[str, float]], idf_exp: float = 1.0, keep: int | None = 60):
        prior = stories_mod.StoryParams().prior_docs
        df: Counter = Counter()
        self.raw, self.df_at = [], []  # df_at: each article's terms' document frequencies at its arrival
        for n, f in enumerate(feats, 1):
            df.update(f.keys())
            self.df_at.append({t: df[t] for t in f})
            v = {}
            for t, w in f.items():
                idf = math.log(n + prior) - math.log(df[t] + 1.0)
                if idf > 0:
                    v[t] = w * idf ** idf_exp
            if keep:
                v = dict(sorted(v.items(), key=lambda kv: -kv[1])[:keep])  # ties in feature order, as shipped
            self.raw.append(v)
        self.df, self.n = df, len(feats)
        self.idf = {t: math.log(self.n + prior) - math.log(c + 1.0) for t, c in df.items()}
        self.norm = [math.sqrt(sum(x * x for x in v.values())) or 1.0 for v in self.raw]

    def dot(self, i: int, j: int) -> float:
        a, b = self.raw[i], self.raw[j]
        if len(b) < len(a):
            a, b = b, a
        return sum(w * b.get(t, 0.0) for t, w in a.items())

    def cosine(self, i: int, j: int) -> float:
        return self.dot(i, j) / (self.norm[i] * self.norm[j])

    def pivoted(self, i: int, j: int, s: float) -> float:
        """Dot product over pivoted norms (Singhal et al.): s = 1 is the cosine, below 1 favours long texts less."""
        piv = float(np.mean(self.norm))
        return self.dot(i, j) / (((1 - s) * piv + s * self.norm[i]) * ((1 - s) * piv + s * self.norm[j]))


def rare_overlap(vec: "Vectors", feats: list[dict[str, float]], i: int, j: int, k: int, how: str = "mean") -> float:
    """Share of each article's ``k`` rarest terms (fewest documents at its arrival; ties by term) found among
    the other's terms."""
    def rarest(x):
        df = vec.df_at[x]
        return sorted(df, key=lambda t: (df[t], t))[:k]
    ra, rb = rarest(i), rarest(j)
    x = sum(t in feats[j] for t in ra) / max(1, len(ra))
    y = sum(t in feats[i] for t in rb) / max(1, len(rb))
    return (x + y) / 2 if how == "mean" else min(x, y) if how == "min" else max(x, y)


def rarest_shared(vec: Vectors, feats, i: int, j: int) -> float:
    """How rare the rarest term the two share is (its document frequency at the later article's arrival)."""
    later = max(i, j)
    shared = feats[i].keys() & feats[j].keys()
    return 1.0 / min((vec.df_at[later][t] for t in shared), default=1e9)


def cv_family(term, signals: dict[str, list[float]], y, folds, weights=BLEND, k: int = FOLDS) -> tuple[float, list[str]]:
    """Agreement of ``term + w x signal >= t``, the signal of the family as well as w and t chosen on the other
    folds: the honest figure for a family of variants (picking the best line afterwards is not)."""
    term, y, folds = (np.asarray(x, float) for x in (term, y, folds))
    sig = {n: np.asarray(s, float) for n, s in signals.items()}
    hits, chosen = 0, []
    for f in range(k):
        tr, te = folds != f, folds == f
        best = None
        for n, b in sig.items():
            for w in weights:
                s = term[tr] + w * b[tr]
                for t in np.unique(s):
                    c = int(((s >= t) == (y[tr] > 0.5)).sum())
                    if best is None or c > best[0]:
                        best = (c, n, w, t)
        _, n, w, t = best
        chosen.append(f"{n} x {w}")
        hits += int((((term[te] + w * sig[n][te]) >= t) == (y[te] > 0.5)).sum())
    return hits / len(y), chosen


# ---------------------------------------------------------------- main

def unit_matrix(vec: Vectors) -> np.ndarray:
    """The articles' unit vectors as rows of a dense matrix."""
    terms = sorted({t for v in vec.raw for t in v})
    col = {t: c for c, t in enumerate(terms)}
    m = np.zeros((len(vec.raw), len(terms)))
    for r, v in enumerate(vec.raw):
        for t, w in v.items():
            m[r, col[t]] = w / vec.norm[r]
    return m


def neighbourhood(vec: Vectors, k: int, earlier: bool) -> np.ndarray:
    """Each article's mean cosine to its ``k`` nearest other articles (only those before it if ``earlier``):
    how crowded its topic is, for local scaling (CSLS: 2 cos(a, b) - r_a - r_b)."""
    s = unit_matrix(vec)
    s = s @ s.T
    np.fill_diagonal(s, -np.inf)
    out = np.zeros(len(s))
    for a in range(len(s)):
        near = np.sort(s[a, :a] if earlier else s[a])[::-1][:k]
        out[a] = near[np.isfinite(near)].mean() if np.isfinite(near).any() else 0.0
    return out


def lsa(vec: Vectors, dims: int) -> list[np.ndarray]:
    """Latent semantic analysis: the unit vectors projected on the ``dims`` leading singular vectors of the
    corpus's term-article matrix (fitted on all the dev articles, without labels)."""
    u, sv, _ = np.linalg.svd(unit_matrix(vec), full_matrices=False)
    z = u[:, :dims] * sv[:dims]
    return list(z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12))


def main() -> None:
    docs, pairs = dev_pairs()
    folds = pair_folds(pairs, FOLDS)
    y = [p["same"] for p in pairs]
    row = {d["url"]: i for i, d in enumerate(docs)}
    ij = [(row[p["a"]], row[p["b"]]) for p in pairs]
    print(f"dev pairs: {len(pairs)} Russian, {sum(y)} same event; {FOLDS}-fold CV by pair group; "
          f"load average {os.getloadavg()[0]:.1f}")

    def alone(s):
        return cv_blend(s, s, y, folds)[0]

    def family(name, signals):
        for n, s in signals.items():
            cv, ws = cv_blend(term, s, y, folds, BLEND)
            print(f"  {n:<58} alone {alone(s):.3f}; cosine + w x it {cv:.3f} (w {sorted(set(ws))})")
        cv, chosen = cv_family(term, signals, y, folds)
        print(f"  -> {name}: variant, weight and threshold chosen per fold {cv:.3f} (chosen: {sorted(set(chosen))})")
        cv_alone, _ = cv_family([0.0] * len(y), signals, y, folds, weights=[1.0])
        print(f"  -> {name} alone, variant chosen per fold {cv_alone:.3f}")

    term = [f[0] for f in _pair_features(docs, pairs)]  # the shipped vectors, through StoryBook.vectorise
    shipped_feats = [word_features(d.get("title"), d["text"]) for d in docs]
    sv = Vectors(shipped_feats)
    mine = [sv.cosine(i, j) for i, j in ij]
    print("pairwise (threshold per fold):")
    print(f"  shipped term cosine {alone(term):.3f} (this bench's vectoriser on the shipped features: "
          f"{alone(mine):.3f}, largest difference {max(abs(a - b) for a, b in zip(term, mine)):.1e})")

    print("1. character n-grams inside words (instead of 5-letter prefixes):")
    grams = {}
    for sizes in ((3, 4, 5), (4, 5), (4,), (5,)):
        for combine in ("max", "sum"):
            for keep in (60, 200, None):
                g = Vectors([char_grams(d.get("title"), d["text"], sizes, combine) for d in docs], keep=keep)
                grams[f"grams {sizes} {combine}, keep {keep or 'all'}"] = [g.cosine(i, j) for i, j in ij]
    family("character n-grams", grams)

    print("2. term-frequency shape, length normalisation, rarity exponent, terms kept:")
    shapes = {
        "binary": lambda c, n: 1.0,
        "raw tf": lambda c, n: float(c),
        "log(1 + tf)": lambda c, n: math.log1p(c),
        **{f"BM25 k1 {k1}": (lambda k1: lambda c, n: c * (k1 + 1) / (c + k1))(k1) for k1 in (0.5, 1.2, 2.0)},
    }
    tfs = {}
    for name, tf in shapes.items():
        v = Vectors([word_features(d.get("title"), d["text"], tf) for d in docs])
        tfs[name] = [v.cosine(i, j) for i, j in ij]
    avg = float(np.mean([len(sf._tokens(d["text"][:sf.LEAD_CHARS].lower())) for d in docs]))
    for k1 in (1.2, 2.0):
        for b in (0.25, 0.75):
            tf = (lambda k1, b: lambda c, n: c * (k1 + 1) / (c + k1 * (1 - b + b * n / avg)))(k1, b)
            v = Vectors([word_features(d.get("title"), d["text"], tf) for d in docs])
            tfs[f"BM25 k1 {k1} b {b} (lead length)"] = [v.cosine(i, j) for i, j in ij]
    family("term-frequency shapes", tfs)
    norms = {f"pivoted length normalisation s {s}": [sv.pivoted(i, j, s) for i, j in ij] for s in (0.5, 0.75, 0.9)}
    family("pivoted normalisation", norms)
    expo = {}
    for a in (0.5, 1.5, 2.0):
        v = Vectors(shipped_feats, idf_exp=a)
        expo[f"rarity exponent idf^{a}"] = [v.cosine(i, j) for i, j in ij]
    family("rarity exponents", expo)
    kept = {}
    for keep in (30, 40, 80, None):
        v = Vectors(shipped_feats, keep=keep)
        kept[f"terms kept per article {keep or 'all'}"] = [v.cosine(i, j) for i, j in ij]
    family("terms kept", kept)

    print("3. rarest terms:")
    rare = {f"share of the {k} rarest terms in the other ({how})": [rare_overlap(sv, shipped_feats, i, j, k, how)
                                                                   for i, j in ij]
            for k in (5, 10, 20) for how in ("mean", "min", "max")}
    rare["1 / df of the rarest shared term"] = [rarest_shared(sv, shipped_feats, i, j) for i, j in ij]
    family("rarest terms", rare)

    print("4. after the errors:")
    other = {}
    lead = Vectors([word_features(d.get("title"), first_sentence(d["text"])) for d in docs])
    other["cosine of title + first sentence"] = [lead.cosine(i, j) for i, j in ij]
    for k in (10, 20):
        top = [set(list(v)[:k]) for v in sv.raw]
        other[f"share of the {k} heaviest terms shared"] = [len(top[i] & top[j]) / k for i, j in ij]
    for name, cut in (("first sentence", first_sentence), ("lead", lambda t: t[:sf.LEAD_CHARS])):
        nums = [numbers(cut(d["text"])) for d in docs]
        other[f"minus: numbers of the {name} conflict (both have some, share none)"] = [
            -float(bool(nums[i]) and bool(nums[j]) and not nums[i] & nums[j]) for i, j in ij]
        other[f"Jaccard of the numbers of the {name}"] = [
            len(nums[i] & nums[j]) / max(1, len(nums[i] | nums[j])) for i, j in ij]
    every = Vectors(shipped_feats, keep=None)
    for dims in (50, 100, 200):
        z = lsa(every, dims)
        other[f"LSA {dims} dimensions (fitted on all articles)"] = [float(z[i] @ z[j]) for i, j in ij]
    for k in (1, 5, 20):
        for earlier in (False, True):
            r = neighbourhood(sv, k, earlier)
            other[f"CSLS 2 cos - r_a - r_b, r over {k} nearest {'earlier ' if earlier else ''}articles"] = [
                2 * c - r[i] - r[j] for c, (i, j) in zip(term, ij)]
    family("other signals", other)

    # none of the above is clearly above the shipped cosine pairwise; the n-grams, the candidate the issue
    # named first, are scored through the clustering anyway (the shipped features in the same run)
    base = stories_mod.StoryParams()
    print("stories (StoryBook, threshold per fold):")
    shipped = lambda d: word_features(d.get("title"), d["text"])  # noqa: E731
    print(f"  shipped features (5-letter prefixes)                       {stories_cv(docs, pairs, folds, shipped, [('', base)])[0]:.3f}")
    grid = [(f"{k} terms", replace(base, doc_terms=k, centroid_terms=int(2.5 * k))) for k in (60, 200, 400)]
    for sizes in ((3, 4, 5), (4,)):
        cv, chosen = stories_cv(docs, pairs, folds, lambda d: char_grams(d.get("title"), d["text"], sizes, "sum"), grid)
        print(f"  grams {sizes} sum instead of prefixes, terms per article chosen per fold {cv:.3f} "
              f"(chosen {sorted({c[0] for c in chosen})})")


if __name__ == "__main__":
    main()
