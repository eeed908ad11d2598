"""Fixtures for the dedup tests: a real DuckDB file with the migrations and views,
articles built from the seeds, the dev pages' hand-marked bodies and the generator."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from flows import storage
from flows.dedup import dedup_batch
from flows.records import Article, RawDocument
from flows.settings import Settings
from flows.storage.writes import article_table

ROOT = Path(__file__).resolve().parents[2]
DEV_TRUTH = ROOT / "tests" / "fixtures" / "dev_bodies.json.gz"  # a copy of the dev set's ground truth (MIT)
SAMPLES = ROOT / "flows" / "samples"


def make_article(article_id: str, text: str, published: dt.date | None = None, title: str | None = None) -> Article:
    return Article(article_id=article_id, raw_id=f"raw-{article_id}", source=f"/data/{article_id}.txt", url=None,
                   title=title, author=None, published_date=published, language="en", text=text,
                   word_count=len(text.split()))


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(db_path=str(tmp_path / "news.duckdb"))


@pytest.fixture
def con(settings):
    c = storage.connect(settings.db_path)
    yield c
    c.close()


def ingest(con, articles: list[Article], run_id: str = "run1", settings: Settings | None = None):
    """What the pipeline does per batch: insert the articles, dedup them, one transaction."""
    con.execute("BEGIN TRANSACTION")
    storage.insert_arrow(con, "queries/articles/insert_articles", article_table(articles), {"run_id": run_id, "code_version": "test"})
    report = dedup_batch(con, articles, run_id, settings or Settings())
    con.execute("COMMIT")
    return report


def duplicates(con) -> dict[str, tuple[str, str]]:
    return {a: (c, k) for a, c, k in con.execute("SELECT article_id, canonical_id, kind FROM duplicates").fetchall()}


def story_of(con) -> dict[str, str]:
    return dict(con.execute("SELECT article_id, story_id FROM stories").fetchall())


@pytest.fixture(scope="session")
def dev_bodies() -> dict[str, str]:
    """url -> hand-marked article body of the 90 dev pages."""
    import gzip

    data = json.loads(gzip.decompress(DEV_TRUTH.read_bytes()).decode("utf-8"))
    return {v["url"]: v["articleBody"] for v in data.values()}


@pytest.fixture(scope="session")
def seed_articles() -> dict[str, Article]:
    """The five seeds through the real clean stage, keyed 000..004."""
    from flows.clean import clean_document

    out = {}
    for path in sorted(SAMPLES.glob("*.txt")):
        doc = RawDocument(source=str(path), kind="text", content=path.read_bytes())
        art = clean_document(doc, Settings())
        assert isinstance(art, Article), art
        out[path.name[:3]] = art
    return out
