"""Fixtures for the quality tests: settings in a temp folder, articles, a DuckDB
file built with the project's migrations."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.records import Article, make_raw_id, sha256_hex
from flows.settings import SQL_DIR, Settings

BODY = (
    "MOSCOW (AP) - The foreign minister said on Friday that the talks had gone well. "
    "He told reporters that both countries wanted closer ties and more trade. "
    "Officials in Washington said they would study the statement carefully before replying.\n\n"
    "The meeting lasted three hours, according to a statement released after the talks."
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db_path=str(tmp_path / "news.duckdb"), quality_dir=str(tmp_path / "quality"))


def make_article(text: str = BODY, n: int = 0, **fields) -> Article:
    raw_id = fields.pop("raw_id", make_raw_id(f"/data/a{n}.txt", sha256_hex(text.encode())))
    values = dict(
        article_id=f"art{n}",
        raw_id=raw_id,
        source=f"/data/a{n}.txt",
        url=f"https://news.example.org/story/{n}",
        title="Minister says talks went well",
        author=None,
        published_date=date(2023, 10, 20),
        language="en",
        text=text,
        word_count=len(text.split()),
    )
    values.update(fields)
    return Article(**values)


def migrate(con) -> None:
    """Apply sql/migrations/*.sql in order, as the pipeline does."""
    for path in sorted((SQL_DIR / "migrations").glob("*.sql")):
        con.execute(path.read_text())


@pytest.fixture
def con(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "news.duckdb"))
    migrate(con)
    # The dedup migration may not exist yet: the minimal tables the checks read.
    con.execute(
        "CREATE TABLE IF NOT EXISTS duplicates (article_id VARCHAR PRIMARY KEY, canonical_id VARCHAR NOT NULL,"
        " kind VARCHAR NOT NULL, similarity DOUBLE NOT NULL)"
    )
    yield con
    con.close()


def add_run(con, run_id: str, n_articles: int, *, n_quarantined: int = 0, dup_of: dict | None = None) -> list[str]:
    """A run with its raw rows, articles, quarantined rows and duplicates."""
    con.execute("INSERT INTO runs (run_id, started_at, status) VALUES (?, now(), 'running')", [run_id])
    ids = []
    for i in range(n_articles + n_quarantined):
        raw_id = f"{run_id}-raw{i}"
        con.execute(
            "INSERT INTO raw_articles (raw_id, source, kind, content_hash, size_bytes, run_id, ingested_at, code_version)"
            " VALUES (?, ?, 'text', ?, 10, ?, now(), 'test')",
            [raw_id, f"/data/{raw_id}.txt", raw_id, run_id],
        )
        if i < n_articles:
            article_id = f"{run_id}-art{i}"
            ids.append(article_id)
            con.execute(
                "INSERT INTO articles (article_id, raw_id, source, text, word_count, run_id, cleaned_at, code_version)"
                " VALUES (?, ?, ?, 'text', 1, ?, now(), 'test')",
                [article_id, raw_id, f"/data/{raw_id}.txt", run_id],
            )
        else:
            con.execute(
                "INSERT INTO quarantine (raw_id, source, stage, reason, run_id, quarantined_at, code_version)"
                " VALUES (?, ?, 'raw', 'not_empty', ?, now(), 'test')",
                [raw_id, f"/data/{raw_id}.txt", run_id],
            )
    has_stories = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'stories'").fetchone()[0]
    for article_id in ids if has_stories else []:  # each article its own story
        con.execute("INSERT INTO stories (story_id, article_id) VALUES (?, ?)", [f"story-{article_id}", article_id])
    for article_id, canonical_id in (dup_of or {}).items():
        con.execute(
            "INSERT INTO duplicates (article_id, canonical_id, kind, similarity) VALUES (?, ?, 'near', 0.9)",
            [article_id, canonical_id],
        )
    return ids
