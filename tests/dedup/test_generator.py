"""The synthetic corpus generator writes every format with labels (flows/evaluation/corpus.py)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from flows.evaluation.corpus import COPY_PATTERNS, generate



def test_generate_plants_every_copy_pattern_and_labels_pairs():
    arts, labels = generate(1500, seed=2, copy_rate=0.2)
    assert len(arts) == 1500 and len({a.key for a in arts}) == 1500
    assert {a.pattern for a in arts} >= set(COPY_PATTERNS) | {"base", "shared_boilerplate", "shared_quote"}
    keys = {a.key for a in arts}
    assert all(lb["a"] in keys and lb["b"] in keys for lb in labels)
    assert {lb["label"] for lb in labels} == {"copy", "not_copy"}
    assert generate(200, seed=2)[0][50].text == generate(200, seed=2)[0][50].text  # deterministic


@pytest.mark.parametrize("fmt,pattern", [("txt", "articles/*.txt"), ("html", "articles/*.html"), ("jsonl", "articles.jsonl")])
def test_cli_writes_files(tmp_path, fmt, pattern):
    out = tmp_path / fmt
    subprocess.run([sys.executable, "-m", "flows.evaluation.corpus", "--n", "60", "--out", str(out),
                    "--format", fmt, "--seed", "3"], check=True, capture_output=True)
    files = list(out.glob(pattern))
    assert files
    if fmt == "jsonl":
        rows = [json.loads(line) for line in files[0].read_text().splitlines()]
        assert len(rows) == 60 and {"id", "text", "title", "published", "url"} <= set(rows[0])
    else:
        assert len(files) == 60
    assert (out / "labels.jsonl").exists() and (out / "clusters.jsonl").exists()
