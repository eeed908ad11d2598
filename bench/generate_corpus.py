"""Synthetic news articles with planted copies: ``python bench/generate_corpus.py --n N --out DIR``.

The generator lives in ``flows/evaluation/corpus.py`` (the tests use it too).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.evaluation.corpus import main  # noqa: E402

if __name__ == "__main__":
    main()
