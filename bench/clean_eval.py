"""Score the clean stage on the three dev sets beside trafilatura, and time both.

Run: ``python bench/clean_eval.py [--sets extraction-dev,news-dev,multilingual-dev]
[--workers 2] [--limit N] [--worst N] [--save out.json]``.

For every page of ``shared/eval`` (extraction-dev, news-dev, multilingual-dev)
the same worker process runs, in rotating order: newsflow's HTML extractor
(``flows.clean.html.extract_html``), ``trafilatura.extract`` with default
settings, and with ``favor_precision=True`` (trafilatura's metadata comes from
``trafilatura.extract_metadata``, untimed). Body F1 uses the sets' shingle
metric; title, date and authors are exact-match shares (``eval_sets``).

Honest figures: what newsflow tunes on these pages (``flows.clean.tuned``:
which extraction path wins for which kind of page; ``flows.clean.blocks``:
the line model, trained by ``train_blocks``) is re-fitted by k-fold
cross-validation by site: fit on the pages of k-1 folds of sites, score the
held-out fold, concatenate. The cross-validated column comes first, the
in-sample one beside it. Speed is pages per second per core: the CPU time
(``time.process_time``) each worker spent inside each extractor, so the ratio
holds however busy the machine is.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import defaultdict
from multiprocessing import get_context
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from eval_sets import SETS, Page, authors_ok, date_ok, fold_of, load_all, title_ok  # noqa: E402
from flows.evaluation.extraction import prf, score  # noqa: E402

BASELINES = ("trafilatura", "traf_precision")
LABELS = {"newsflow": "newsflow", "trafilatura": "trafilatura default", "traf_precision": "trafilatura favor_precision"}
MIN_LANGUAGE_PAGES = 5  # languages with fewer pages are listed together


# ---------------------------------------------------------------- extraction (in workers)

def _warm() -> None:
    logging.disable(logging.WARNING)
    from flows.clean.html import extract_html

    extract_html("<html><body><p>" + "Warm up the extractor and its language model. " * 5 + "</p></body></html>")


def _run_ours(html: str, url: str | None) -> dict:
    from flows.clean.html import extract_html

    found = extract_html(html, url)
    return {
        "text": found.text or "",
        "title": found.title,
        "date": found.published.isoformat() if found.published else None,
        "authors": found.author,
    }


def _run_trafilatura(html: str, url: str | None, **kw) -> dict:
    import trafilatura

    return {"text": trafilatura.extract(html, url=url, **kw) or ""}


def _extract_page(args: tuple[int, str, str | None, bool]) -> tuple[int, dict, dict]:
    """All extractors on one page: outputs and CPU seconds of each."""
    index, html, url, baselines = args
    runs = [
        ("newsflow", lambda: _run_ours(html, url)),
        ("trafilatura", lambda: _run_trafilatura(html, url)),
        ("traf_precision", lambda: _run_trafilatura(html, url, favor_precision=True)),
    ][: 3 if baselines else 1]
    shift = index % len(runs)  # rotate the order: caches warmed by one run help the others evenly
    outputs, seconds = {}, {}
    for name, fn in runs[shift:] + runs[:shift]:
        start = time.process_time()
        try:
            outputs[name] = fn()
        except Exception as exc:  # a crash is a page with nothing extracted
            outputs[name] = {"text": "", "error": f"{type(exc).__name__}: {exc}"}
        seconds[name] = time.process_time() - start
    from flows.clean.html import extract_candidates

    try:  # untimed: what the fitted choices choose between, for the cross-validation
        outputs["newsflow"]["candidates"] = extract_candidates(html, url)
    except Exception:
        outputs["newsflow"]["candidates"] = None
    if not baselines:
        return index, outputs, seconds
    import trafilatura

    meta = trafilatura.extract_metadata(html, default_url=url)
    for name in BASELINES:
        outputs[name].update(
            title=getattr(meta, "title", None), date=getattr(meta, "date", None), authors=getattr(meta, "author", None)
        )
    return index, outputs, seconds


def extract_all(pages: list[Page], workers: int, baselines: bool = True, progress: bool = True) -> tuple[list[dict], dict]:
    outputs: list[dict] = [None] * len(pages)  # type: ignore[list-item]
    seconds: dict[str, float] = defaultdict(float)
    tasks = [(i, p.html, p.url, baselines) for i, p in enumerate(pages)]
    with get_context("spawn").Pool(workers, initializer=_warm) as pool:
        for done, (i, out, secs) in enumerate(pool.imap_unordered(_extract_page, tasks, chunksize=2), 1):
            outputs[i] = out
            for name, s in secs.items():
                seconds[name] += s
            if progress and done % 50 == 0:
                print(f"  {done}/{len(pages)} pages", file=sys.stderr, flush=True)
    return outputs, dict(seconds)


# ---------------------------------------------------------------- scoring

def page_scores(page: Page, out: dict) -> dict:
    """Body (tp, fp, fn) and metadata hits (None where the truth lacks the field)."""
    return {
        "body": score(out.get("text") or "", page.body),
        "title": title_ok(out.get("title"), page.title) if page.title else None,
        "date": date_ok(out.get("date"), page.date) if page.date else None,
        "authors": authors_ok(out.get("authors"), page.authors) if page.authors else None,
    }


def summarise(pages: list[Page], scores: list[dict]) -> dict:
    p, r, f1 = prf([s["body"] for s in scores])
    out = {"pages": len(pages), "P": p, "R": r, "F1": f1}
    for field in ("title", "date", "authors"):
        hits = [s[field] for s in scores if s[field] is not None]
        out[field] = (sum(hits) / len(hits), len(hits)) if hits else None
    return out


def groups(pages: list[Page]) -> dict[str, list[int]]:
    """Page indices per set, and per language (>= MIN_LANGUAGE_PAGES pages) of the multilingual set."""
    out: dict[str, list[int]] = defaultdict(list)
    for i, page in enumerate(pages):
        out[page.set].append(i)
    languages: dict[str, list[int]] = defaultdict(list)
    for i, page in enumerate(pages):
        if page.language:
            languages[page.language].append(i)
    for lang, idx in sorted(languages.items(), key=lambda kv: -len(kv[1])):
        out[f"  lang {lang}" if len(idx) >= MIN_LANGUAGE_PAGES else "  lang (others)"].extend(idx)
    return out


_SCORES: dict[tuple[str, str], tuple[float, float, float]] = {}


def cached_score(text: str, truth: str) -> tuple[float, float, float]:
    """``score``, remembered: the fit scores the same candidate texts many times."""
    key = (text, truth)
    if key not in _SCORES:
        _SCORES[key] = score(text, truth)
    return _SCORES[key]


def body_f1(texts: list[str], truths: list[str]) -> float:
    return prf([cached_score(t, g) for t, g in zip(texts, truths)])[2]


def _lines(cand: dict, text: str) -> tuple[list[str], list[list[float]]]:
    """A candidate text as rendered lines with their feature vectors (none if not computed)."""
    return (text.split("\n\n") if text else []), (cand.get("vectors") or {}).get(text) or []


def cross_validated(pages: list[Page], outputs: list[dict], k: int, use_blocks: bool = True
                    ) -> tuple[list[dict], list[dict], list[dict]]:
    """newsflow's outputs with its tuned choices (``tuned`` and the line model
    of ``blocks``) fitted out of fold and in sample, and the choices of each
    fold (the last one: fitted on all pages)."""
    from flows.clean import tuned

    import train_blocks

    cands = [o["newsflow"].get("candidates") for o in outputs]
    for i, c in enumerate(cands):
        if not c:  # the candidates could not be computed: the stage's own answer only
            text = outputs[i]["newsflow"]["text"]
            fast = [tuned.candidate_key(w, m, False, d) for d in tuned.GRID["drop_lead_heading"]
                    for w in (True, False) for m in (True, False)]
            cands[i] = {"share": dict.fromkeys(fast, 1.0), "texts": dict.fromkeys(fast, text)}
    truths = [p.body for p in pages]

    def fit(idx: list[int]) -> dict:
        model = tuned.fit([cands[i] for i in idx], [truths[i] for i in idx], body_f1)
        if use_blocks:
            chosen = [_lines(cands[i], tuned.choose(cands[i], model)) for i in idx]
            model = {**model, "blocks": train_blocks.fit(
                [(lines, vectors, truths[i]) for (lines, vectors), i in zip(chosen, idx)], body_f1,
                [pages[i].set for i in idx])}
        return model

    def apply(i: int, model: dict) -> dict:
        text = tuned.choose(cands[i], model)
        if model.get("blocks"):
            text = train_blocks.apply(*_lines(cands[i], text), model["blocks"])
        return {**outputs[i]["newsflow"], "text": text}

    fitted = []
    folds = [fold_of(p, k) for p in pages]
    cv: list[dict] = [None] * len(pages)  # type: ignore[list-item]
    for fold in range(k):
        model = fit([i for i in range(len(pages)) if folds[i] != fold])
        fitted.append(model)
        for i in range(len(pages)):
            if folds[i] == fold:
                cv[i] = apply(i, model)
    model = fit(list(range(len(pages))))
    fitted.append(model)
    insample = [apply(i, model) for i in range(len(pages))]
    return cv, insample, fitted


def quarantined(pages: list[Page], outputs: list[dict]) -> list[tuple[Page, str, str]]:
    """Dev pages (all real articles) the clean stage would quarantine: no text,
    or an error check of the clean suite failing on the cleaned article."""
    import tempfile

    from flows.clean import count_words, normalise_paragraphs
    from flows.clean.metadata import detect_language
    from flows.quality import check_clean
    from flows.records import Article
    from flows.settings import Settings

    out, articles, by_id = [], [], {}
    for i, (page, o) in enumerate(zip(pages, outputs)):
        body = normalise_paragraphs(o.get("text") or "")
        if not body:
            out.append((page, "no_article_text", "no article text found"))
            continue
        article_id = f"page{i}"
        by_id[article_id] = page
        articles.append(Article(
            article_id=article_id, raw_id=article_id, source=page.key, url=page.url, title=o.get("title"),
            author=None, published_date=None, language=detect_language(body), text=body,
            word_count=count_words(body),
        ))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_path=f"{tmp}/news.duckdb", quality_dir=f"{tmp}/quality")
        outcome = check_clean(articles, settings)
    out.extend((by_id[raw_id], check, observed) for raw_id, (check, observed) in outcome.rejected.items())
    return out


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, tuple):
        return f"{value[0]:.3f}"
    return f"{value:.4f}"


def _shown(model: dict) -> str:
    """A fitted choice for the report: the line model as its threshold only."""
    model = dict(model)
    if model.get("blocks"):
        model["blocks"] = {"threshold": model["blocks"]["threshold"]}
    return json.dumps(model, sort_keys=True)


def report(pages: list[Page], outputs: list[dict], seconds: dict, k: int, worst: int, use_blocks: bool = True) -> dict:
    cv, insample, fitted = cross_validated(pages, outputs, k, use_blocks)
    columns = {
        "newsflow (cv)": cv,
        "newsflow (in-sample)": insample,
        LABELS["trafilatura"]: [o["trafilatura"] for o in outputs],
        LABELS["traf_precision"]: [o["traf_precision"] for o in outputs],
    }
    scored = {name: [page_scores(p, o) for p, o in zip(pages, outs)] for name, outs in columns.items()}
    names = list(columns)
    width = 30
    print(f"\nbody: shingle F1 (P/R); metadata: exact-match share; cross-validation: {k} folds by site")
    print(f"{'pages':<22}{'n':>5}  " + "".join(f"{n:>{width}}" for n in names))
    table: dict = {}
    for label, idx in groups(pages).items():
        sums = {name: summarise([pages[i] for i in idx], [scored[name][i] for i in idx]) for name in names}
        table[label.strip()] = sums
        cells = "".join(f"{sums[n]['F1']:>{width - 14}.4f} ({sums[n]['P']:.3f}/{sums[n]['R']:.3f})" for n in names)
        print(f"{label:<22}{len(idx):>5}  {cells}")
        if label.startswith("  "):
            continue
        for field in ("title", "date", "authors"):
            if sums[names[0]][field] is None:
                continue
            n_field = sums[names[0]][field][1]
            cells = "".join(f"{_fmt(sums[n][field]):>{width}}" for n in names)
            print(f"  {field:<20}{n_field:>5}  {cells}")
    print("\nchoices fitted per fold:", "; ".join(_shown(m) for m in fitted[:-1]))
    print("fitted on all pages (in-sample):", _shown(fitted[-1]))
    lost = quarantined(pages, cv)
    print(f"\nreal articles quarantined by the clean stage: {len(lost)} of {len(pages)}")
    for page, check, observed in lost:
        print(f"  {page.set:<17}{page.key[:40]:<42}{check}: {observed}")
    print("\nspeed, pages/s per core (CPU time in the extractor)")
    for name in ("newsflow", *BASELINES):
        print(f"  {LABELS[name]:<30}{len(pages) / max(seconds[name], 1e-9):8.1f}")
    ratio = seconds["newsflow"] / max(seconds["trafilatura"], 1e-9)
    print(f"  cost of newsflow / trafilatura default: {ratio:.3f}x (budget 1.0x)")
    if worst:
        ranked = sorted(range(len(pages)), key=lambda i: prf([scored["newsflow (cv)"][i]["body"]])[2]
                        - prf([scored[LABELS["trafilatura"]][i]["body"]])[2])
        print(f"\n{worst} pages where newsflow (cv) trails trafilatura default most")
        for i in ranked[:worst]:
            ours_f1 = prf([scored["newsflow (cv)"][i]["body"]])[2]
            base_f1 = prf([scored[LABELS["trafilatura"]][i]["body"]])[2]
            print(f"  {pages[i].set:<17}{pages[i].key[:40]:<42}{ours_f1:.3f} vs {base_f1:.3f}")
    return {"table": table, "seconds": seconds, "pages": len(pages), "ratio": ratio, "fitted": fitted,
            "quarantined": [(p.set, p.key, c, o) for p, c, o in lost]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--limit", type=int, default=0, help="first N pages of each set only")
    ap.add_argument("--worst", type=int, default=0, help="list the N pages where newsflow trails most")
    ap.add_argument("--save", help="write the per-page outputs and the table as JSON here")
    ap.add_argument("--write-params", action="store_true",
                    help="write the choices fitted on all pages to flows/clean/tuned.json (the shipped values)")
    ap.add_argument("--no-blocks", action="store_true", help="score without the line model (flows/clean/blocks.py)")
    ap.add_argument("--baselines-from", help="take trafilatura's outputs and times from a --save file "
                    "instead of running it (faster iterations; figures for the README come from a full run)")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)
    pages = load_all(sets=tuple(args.sets.split(",")))
    if args.limit:
        by_set: dict[str, int] = defaultdict(int)
        kept = []
        for p in pages:
            by_set[p.set] += 1
            if by_set[p.set] <= args.limit:
                kept.append(p)
        pages = kept
    started = time.perf_counter()
    outputs, seconds = extract_all(pages, args.workers, baselines=not args.baselines_from)
    if args.baselines_from:
        saved = json.loads(Path(args.baselines_from).read_text())
        by_key = {(k["set"], k["key"]): o for k, o in zip(saved["keys"], saved["outputs"])}
        for page, out in zip(pages, outputs):
            out.update({name: by_key[(page.set, page.key)][name] for name in BASELINES})
        seconds.update({name: saved["seconds"][name] * len(pages) / saved["pages"] for name in BASELINES})
    print(f"{len(pages)} pages extracted by 3 extractors in {time.perf_counter() - started:.0f} s "
          f"({args.workers} workers)")
    result = report(pages, outputs, seconds, args.folds, args.worst, not args.no_blocks)
    if args.write_params:
        from flows.clean import blocks, tuned

        fitted = dict(result["fitted"][-1])
        line_model = fitted.pop("blocks", None)
        tuned.PARAMS_FILE.write_text(json.dumps(fitted, sort_keys=True) + "\n")
        print(f"wrote {tuned.PARAMS_FILE}")
        if line_model and (line_model["threshold"] > 0 or line_model.get("tail_cut")):
            blocks.MODEL_FILE.write_text(json.dumps(line_model) + "\n")
            print(f"wrote {blocks.MODEL_FILE}")
        elif blocks.MODEL_FILE.exists():
            blocks.MODEL_FILE.unlink()
            print(f"removed {blocks.MODEL_FILE}: the line model does not help")
    if args.save:
        keys = [{"set": p.set, "key": p.key} for p in pages]
        Path(args.save).write_text(json.dumps({**result, "keys": keys, "outputs": outputs}, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
