"""Helpers shared by the dedup benchmarks: articles from generated ones, a temp database."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flows.records import Article  # noqa: E402


def to_article(key: str, text: str, published=None, title=None) -> Article:
    return Article(article_id=key, raw_id=key, source=f"/bench/{key}", url=None, title=title, author=None,
                   published_date=published, language="en", text=text, word_count=len(text.split()))


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it is not inherited across exec)."""
    try:
        for line in open("/proc/self/status", encoding="ascii"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
