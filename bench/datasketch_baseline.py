"""What a user would write instead of newsflow to find near copies: a plain datasketch script.

    python bench/datasketch_baseline.py FOLDER OUT_PAIRS.tsv [--threshold 0.5]

Reads every ``.txt`` file under FOLDER (or one ``.jsonl`` file's ``text`` fields), shingles
each text into lower-cased word 5-grams, builds a 128-permutation MinHash per text,
inserts them all into a ``MinHashLSH`` index, queries every text against it and writes
the pairs found (``key<TAB>key``, the file stem or the line's ``id``). No cleaning, no
verification, no storage: the baseline ``bench/dedup_speed.py --whole-run`` times
``newsflow run`` against (as a subprocess, start-up included).
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"\w+")


def texts(folder: Path):
    if folder.is_file():  # JSON lines
        with open(folder, encoding="utf-8") as fh:
            for line in fh:
                obj = json.loads(line)
                yield obj["id"], obj["text"]
        return
    for path in sorted(folder.rglob("*.txt")):
        yield path.stem, path.read_text(encoding="utf-8")


def minhash(text: str, k: int = 5, num_perm: int = 128) -> MinHash:
    words = WORD.findall(text.lower())
    shingles = {" ".join(words[i:i + k]) for i in range(max(1, len(words) - k + 1))}
    m = MinHash(num_perm=num_perm)
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--threshold", type=float, default=0.5)
    args = ap.parse_args(argv)
    lsh = MinHashLSH(threshold=args.threshold, num_perm=128)
    sigs = {}
    for key, text in texts(args.folder):
        sigs[key] = minhash(text)
        lsh.insert(key, sigs[key])
    pairs = set()
    for key, m in sigs.items():
        for other in lsh.query(m):
            if other != key:
                pairs.add((min(key, other), max(key, other)))
    with open(args.out, "w", encoding="utf-8") as fh:
        for a, b in sorted(pairs):
            fh.write(f"{a}\t{b}\n")
    print(f"{len(sigs)} texts, {len(pairs)} pairs")


if __name__ == "__main__":
    main()
