"""What the data-quality checks cost: per 10,000 articles, and GX's import.

    .venv/bin/python bench/quality_overhead.py [--n 10000] [--words 600]

Prints the Great Expectations import time (in a fresh interpreter), then
check_raw and check_clean over N synthetic documents in batches of
settings.batch_size, split into building the frames (our detectors) and the
GX validation, as seconds and per-10,000 figures. Compare with the cleaning
stage's own time per 10,000 articles (the lead's benchmark) for the overhead.
"""
from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.records import Article, RawDocument  # noqa: E402
from flows.settings import Settings  # noqa: E402

WORDS = ("the minister said talks were held on friday with officials from both countries about trade "
         "security and the weapons that were shipped across the border last month according to reports").split()


def gx_import_seconds() -> float:
    code = "import time; t = time.perf_counter(); import great_expectations; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def synthetic(n: int, words: int, seed: int = 7) -> tuple[list[RawDocument], list[Article]]:
    """N texts of about ``words`` words in paragraphs; 1 in 20 carries noise."""
    rng = random.Random(seed)
    docs, articles = [], []
    for i in range(n):
        paragraphs = []
        for _ in range(max(1, words // 60)):
            sentence = " ".join(rng.choice(WORDS) for _ in range(60))
            paragraphs.append(sentence[0].upper() + sentence[1:] + ".")
        if i % 20 == 0:
            paragraphs.append(rng.choice(["Share", "Related\nOne\nTwo\nThree\nFour", "Fish &amp; chips.", "x,spamcoin:Word"]))
        text = "\n\n".join(paragraphs)
        doc = RawDocument(source=f"/bench/{i}.txt", kind="text", content=text.encode())
        docs.append(doc)
        articles.append(Article(
            article_id=f"a{i}", raw_id=doc.raw_id, source=doc.source, url=f"https://example.org/{i}",
            title=f"Story {i}" if i % 7 else None, author=None, published_date=date(2024, 1, 1 + i % 28),
            language="en", text=text, word_count=len(text.split()),
        ))
    return docs, articles


def timed(fn, items, settings: Settings) -> float:
    t = time.perf_counter()
    for start in range(0, len(items), settings.batch_size):
        fn(items[start:start + settings.batch_size], settings, start // settings.batch_size)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=600)
    args = parser.parse_args()

    import tempfile

    from flows.quality import check_clean, check_raw
    from flows.quality.frames import clean_frame, raw_frame
    from flows.quality.runner import gx_context

    print(f"great_expectations import: {gx_import_seconds():.2f} s (fresh interpreter)")
    settings = Settings(quality_dir=tempfile.mkdtemp(prefix="nf-quality-"))
    docs, articles = synthetic(args.n, args.words)
    per = 10_000 / args.n

    t = time.perf_counter()
    gx_context()
    check_clean(articles[:10], settings)  # builds the suite once, like the first batch of a run
    check_raw(docs[:10], settings)
    print(f"first use in the process (GX import, context, suites): {time.perf_counter() - t:.2f} s")

    def frames_only(fn):
        return lambda batch, s, i: fn(batch)

    raw_frames = timed(frames_only(raw_frame), docs, settings)
    raw_total = timed(check_raw, docs, settings)
    clean_frames = timed(frames_only(clean_frame), articles, settings)
    clean_total = timed(check_clean, articles, settings)
    mb = sum(len(d.content) for d in docs) / 1e6
    print(f"{args.n} documents of ~{args.words} words ({mb:.0f} MB), batches of {settings.batch_size}")
    for name, frames, total in (("check_raw", raw_frames, raw_total), ("check_clean", clean_frames, clean_total)):
        print(f"{name:12s} {total:6.2f} s = {total * per:6.2f} s per 10,000 "
              f"(frames {frames:5.2f} s, GX {total - frames:5.2f} s)")


if __name__ == "__main__":
    main()
