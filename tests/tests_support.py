"""Helpers for tests: paths and small generated corpora."""
from __future__ import annotations

import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT / "flows" / "samples"

_WORDS = (
    "government minister council report city police court market company bank energy water school health "
    "election vote budget plan project river bridge road storm weather farmers prices workers union strike "
    "hospital doctors patients museum festival team season coach players match village mayor residents "
    "officials said announced warned agreed rejected proposed approved delayed expected reported confirmed"
).split()


def synthetic_article(rng: random.Random, n_paragraphs: int = 6) -> str:
    paragraphs = []
    for _ in range(n_paragraphs):
        sentences = []
        for _ in range(rng.randint(2, 4)):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(10, 22))]
            sentences.append(" ".join(words).capitalize() + ".")
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def write_text_corpus(folder: Path, n: int, seed: int = 7) -> list[Path]:
    """n distinct plain-text articles, as scraped dumps would be."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = folder / f"article_{i:05d}.txt"
        p.write_text(f"Headline number {i} about the {rng.choice(_WORDS)} {rng.choice(_WORDS)}\n\n"
                     + synthetic_article(rng) + "\n", encoding="utf-8")
        paths.append(p)
    return paths


def slow_or_crashing(item):
    """For the worker-pool tests: 'sleep' hangs, 'crash' kills its process ('killed-once:PATH'
    the first time only), 'boom' raises, 'spin' uses 0.2 s of CPU, 'hold-gil' holds the interpreter's lock for half a minute or more
    (one C call: no other thread of the worker runs meanwhile, as in a regular expression that
    backtracks for ever)."""
    import os
    import time

    if item == "hold-gil":
        return str(sum(range(2 * 10**9)))

    if item == "spin":
        until = time.process_time() + 0.2
        while time.process_time() < until:
            pass
        return "SPIN"
    if item == "sleep":
        time.sleep(60)
    if item == "crash":
        os._exit(3)
    if item.startswith("killed-once:"):  # its worker is killed the first time (the OOM killer), not after
        marker = item.split(":", 1)[1]
        if not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(9)
        return "SURVIVED"
    if item == "boom":
        raise ValueError("boom")
    return item.upper()


def cleaning_processes(proc) -> tuple[list, list]:
    """(the cleaning workers, every process of the pool) among ``proc``'s descendants (psutil).

    Workers are forked by multiprocessing's forkserver, which shares their command line; a worker
    is a forkserver process whose parent is the forkserver (or, where workers are spawned, a
    ``spawn_main`` process)."""
    import psutil

    def cmdline(p) -> str:
        try:
            return " ".join(p.cmdline())
        except psutil.Error:
            return ""

    try:
        kids = proc.children(recursive=True)
    except psutil.Error:
        return [], []
    def parent(p) -> int | None:
        try:
            return p.ppid()
        except psutil.Error:  # gone meanwhile
            return None

    pool = [k for k in kids if "multiprocessing.forkserver" in cmdline(k) or "spawn_main" in cmdline(k)]
    pids = {k.pid for k in pool}
    workers = [k for k in pool if "spawn_main" in cmdline(k) or parent(k) in pids]
    return workers, pool
