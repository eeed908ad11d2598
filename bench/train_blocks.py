"""Train the line model of ``flows/clean/blocks.py`` on the dev sets.

Run: ``python bench/clean_eval.py --write-params`` trains it on all dev pages
and writes ``flows/clean/blocks.json`` (with ``tuned.json``); the same run
scores it cross-validated by site. This module holds the training: labels,
a weighted L2 logistic regression (numpy, Newton steps) and the keep
threshold that maximises body F1 on the training pages, with the tail cut
(``blocks.tail_start``) in place.

Labels: a rendered line belongs to the article when most of its word
4-grams are in the page's true text (a line of fewer than four words: when
its words appear in that order in the true text). Every page weighs the same
(a line weighs its share of the page's words), as in the body metric.
"""
from __future__ import annotations

import re
from typing import Callable

import numpy as np

from flows.clean import blocks

_TOKEN = re.compile(r"\w+")
L2 = 1.0  # ridge penalty on the standardised weights (not on the bias)
MIN_LINE_WEIGHT = 0.002  # a one-word line still counts a little
TAIL_CUT = True  # cut the page's tail of furniture as one run (blocks.tail_start)
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 14))  # keep a line when P(article) >= this


def _shingles(tokens: list[str], n: int = 4) -> set:
    return {tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1))} if tokens else set()


def line_labels(lines: list[str], truth: str) -> list[int]:
    truth_tokens = _TOKEN.findall(truth)
    truth_shingles = _shingles(truth_tokens)
    joined = " " + " ".join(truth_tokens) + " "
    out = []
    for line in lines:
        tokens = _TOKEN.findall(line)
        if len(tokens) >= 4:
            grams = [tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3)]
            out.append(int(sum(g in truth_shingles for g in grams) >= 0.5 * len(grams)))
        else:
            out.append(int(bool(tokens) and f" {' '.join(tokens)} " in joined))
    return out


def training_rows(pages: list[tuple[list[str], list[list[float]], str]], page_weights: list[float] | None = None):
    """Feature matrix, labels and weights of every line of these pages."""
    xs, ys, ws = [], [], []
    for (lines, vectors, truth), page_weight in zip(pages, page_weights or [1.0] * len(pages)):
        if not lines or not vectors:
            continue
        counts = [len(_TOKEN.findall(line)) for line in lines]
        total = sum(counts) or 1
        xs.extend(vectors)
        ys.extend(line_labels(lines, truth))
        ws.extend(page_weight * max(c / total, MIN_LINE_WEIGHT) for c in counts)
    return np.array(xs, dtype=float), np.array(ys, dtype=float), np.array(ws, dtype=float)


def logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = L2, steps: int = 30) -> np.ndarray:
    """Weights (in the original feature scale) of a weighted L2 logistic regression.
    Column 0 is the bias (not penalised, not standardised)."""
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    mean[0], std[0] = 0.0, 1.0
    std[std == 0] = 1.0
    z = (x - mean) / std
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -30, 30)))
        grad = z.T @ (w * (p - y)) + penalty * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-7:
            break
    weights = beta / std
    weights[0] = beta[0] - float((beta[1:] * mean[1:] / std[1:]).sum())
    return weights


apply = blocks.apply  # the text the stage gives for these lines under a model


def fit(pages: list[tuple[list[str], list[list[float]], str]],
        metric: Callable[[list[str], list[str]], float], groups: list[str] | None = None) -> dict:
    """The model and the keep threshold that score best on these pages: the
    mean of ``metric`` over the ``groups`` (dev sets) of the pages, so a
    large set does not decide the threshold for a small one; lines weigh so
    that every group weighs the same in the fit too."""
    groups = groups or [""] * len(pages)
    names = sorted(set(groups))
    x, y, w = training_rows(pages, [len(pages) / (len(names) * groups.count(g)) for g in groups])
    weights = [float(v) for v in logistic(x, y, w)]
    best = None
    for threshold in (0.0, *THRESHOLDS):
        chosen = {"features": list(blocks.FEATURES), "weights": weights, "threshold": threshold, "tail_cut": TAIL_CUT}
        texts = [apply(lines, vectors, chosen) for lines, vectors, _ in pages]
        value = sum(
            metric([t for t, g in zip(texts, groups) if g == name], [p[2] for p, g in zip(pages, groups) if g == name])
            for name in names) / len(names)
        if best is None or value > best[0] + 1e-9:
            best = (value, chosen)
    return best[1]
