"""End-to-end throughput of ``newsflow run`` on generated corpora.

Run: ``python bench/pipeline_throughput.py [--n 20000] [--format txt|jsonl|html] [--baseline]``,
or ``python bench/pipeline_throughput.py --format devcopies --baseline`` (issue 12's 1,820 pages).

Writes a synthetic corpus with planted copies (flows/evaluation/corpus.py),
then times ``newsflow run`` on it as a user runs it: a fresh process, the
ephemeral Prefect server's start-up and shutdown included. Prints
articles/s, time per stage (from the run's own timings), Prefect's share
(start-up, shutdown and orchestration: wall time minus the stages' work)
and the peak memory of the run's processes. With ``--baseline`` (HTML) it
also times a serial ``trafilatura.extract`` loop over the same pages in the
same bench run: the target is a newsflow run faster than that loop.

``--format devcopies``: the extraction dev pages, each written ``--copies``
times (20) byte for byte under different paths (``copy-NN/<page>.html``), as a
wire story is republished; the serial loop is a fresh ``python`` process that
imports trafilatura and extracts every file (``--baseline``). The load average
is printed beside the wall times: they only mean something on a quiet machine.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def run_newsflow(corpus: Path, db: Path, env: dict) -> tuple[float, dict, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "flows", "run", str(corpus), "--db", str(db), "--json", "--no-progress"],
        cwd=REPO, env=env, capture_output=True, text=True,
    )
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"newsflow run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return wall, json.loads(proc.stdout), peak_mb


def shifted_text(html: str, shift: int) -> str:
    """The same page structure with different words: the letters of the text between tags
    go through a substitution alphabet drawn for ``shift`` (0: the page as it is). Copies
    of a page would otherwise be deduplicated, which is not what a throughput figure
    should measure."""
    import random
    import re
    import string

    if shift == 0:
        return html
    lower = list(string.ascii_lowercase)
    random.Random(shift).shuffle(lower)
    table = str.maketrans(string.ascii_lowercase + string.ascii_uppercase, "".join(lower) + "".join(lower).upper())
    def swap(text: str) -> str:  # leave character references (&nbsp; &#8217;) as they are
        return "".join(part if part.startswith("&") else part.translate(table)
                       for part in re.split(r"(&#?\w+;)", text))

    return re.sub(r">([^<]+)<", lambda m: ">" + swap(m.group(1)) + "<", html)


SERIAL_LOOP = """
import pathlib, resource, sys, trafilatura
for f in sorted(pathlib.Path(sys.argv[1]).rglob("*.html")):
    trafilatura.extract(f.read_bytes())
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def serial_trafilatura(corpus: Path) -> tuple[float, int, float]:
    """What a user would write instead: a serial ``trafilatura.extract`` loop over the same
    files, as a fresh process (imports included). Wall seconds, files, peak MB."""
    files = sum(1 for _ in corpus.rglob("*.html"))
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", SERIAL_LOOP, str(corpus)], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t
    return wall, files, int(out.stdout.split()[-1]) / 1024


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def write_dev_copies(dev_dir: Path, corpus: Path, copies: int) -> int:
    """Every dev page ``copies`` times, the same bytes under different paths."""
    import gzip

    pages = sorted((dev_dir / "html").glob("*.html.gz"))
    for c in range(copies):
        folder = corpus / "articles" / f"copy-{c:02d}"
        folder.mkdir(parents=True)
        for page in pages:
            (folder / page.name[:-3]).write_bytes(gzip.decompress(page.read_bytes()))
    return len(pages)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--format", choices=("txt", "jsonl", "html", "devhtml", "devcopies"), default="txt",
                    help="devhtml: the 90 real pages of the extraction dev set, repeated to --n files, "
                         "each repeat with other letters; devcopies: each page --copies times, same bytes")
    ap.add_argument("--copies", type=int, default=20, help="devcopies: copies of each page")
    ap.add_argument("--dev-dir", default=str(REPO.parent / "shared" / "eval" / "extraction-dev"))
    ap.add_argument("--baseline", action="store_true", help="also time a serial trafilatura loop (html)")
    ap.add_argument("--keep", type=Path, help="write the corpus and database here instead of a temp folder")
    args = ap.parse_args(argv)

    from flows.evaluation.corpus import generate, write

    work = args.keep or Path(tempfile.mkdtemp(prefix="newsflow-bench-"))
    if args.format == "devcopies":
        args.n = args.copies * len(list((Path(args.dev_dir) / "html").glob("*.html.gz")))
    corpus = work / f"corpus-{args.format}-{args.n}"
    if args.format == "devcopies" and not corpus.exists():
        n_pages = write_dev_copies(Path(args.dev_dir), corpus, args.copies)
        print(f"corpus: {args.n} pages ({n_pages} dev pages x {args.copies} copies, same bytes, other paths) "
              f"written to {corpus}")
    if args.format == "devhtml" and not corpus.exists():
        from flows.evaluation.extraction import load_dev_pages

        pages = load_dev_pages(args.dev_dir)
        (corpus / "articles").mkdir(parents=True)
        for i in range(args.n):
            pid, html, _truth, _url = pages[i % len(pages)]
            html = shifted_text(html, i // len(pages))
            (corpus / "articles" / f"{i:06d}_{pid[:12]}.html").write_text(html, encoding="utf-8")
        print(f"corpus: {args.n} real pages ({len(pages)} dev pages, each repeat with its text letters "
              f"substituted so that no two are copies) written to {corpus}")
    if not corpus.exists():
        t = time.perf_counter()
        arts, labels = generate(args.n, seed=1)[:2]
        write(arts, labels, corpus, args.format)
        print(f"corpus: {args.n} {args.format} articles written in {time.perf_counter() - t:.1f} s to {corpus}")
    # The generator writes labels beside the articles: give newsflow the articles only.
    inputs = corpus / "articles.jsonl" if args.format == "jsonl" else corpus / "articles"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    db = work / f"bench-{args.format}-{args.n}.duckdb"
    for suffix in ("", ".wal", ".run.lock"):
        Path(str(db) + suffix).unlink(missing_ok=True)

    print(f"before the runs: {load()}")
    wall, result, peak_mb = run_newsflow(inputs, db, env)
    counts, timings = result["counts"], result.get("timings", {})
    n_docs = counts.get("read", 0)
    print(f"newsflow run: {n_docs} documents, {counts.get('articles', 0)} articles, "
          f"{counts.get('quarantined', 0)} quarantined, {counts.get('duplicates', 0)} duplicates")
    print(f"  wall time, start-up included : {wall:7.1f} s   ({n_docs / wall:,.0f} documents/s)")
    print(f"  inside the flow              : {result['seconds']:7.1f} s")
    for stage, seconds in sorted(timings.items(), key=lambda kv: -kv[1]):
        print(f"    {stage:<26} {seconds:7.2f} s")
    outside = max(0.0, wall - result["seconds"])
    print(f"  Prefect and start-up share   : {outside:7.1f} s outside the flow body ({outside / wall:.0%} of wall)")
    batches = timings.get("read_sources_and_batches", 0.0)
    print(f"  fixed cost (wall - reading, cleaning, storing batches): {wall - batches:5.1f} s")
    print(f"  peak memory (largest process): {peak_mb:7.0f} MB")
    print(f"  after the run: {load()}")
    if args.baseline and args.format in ("html", "devhtml", "devcopies"):
        base, n, base_mb = serial_trafilatura(inputs)
        print(f"serial trafilatura.extract loop (own process, imports included): {base:7.1f} s for {n} pages "
              f"({n / base:,.0f} pages/s), peak {base_mb:.0f} MB")
        target = "target <= 0.8, goal 0.6" if args.format == "devcopies" else "target < 1.0"
        print(f"  newsflow run / serial loop  : {wall / base:.2f} of its time ({target}); {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
