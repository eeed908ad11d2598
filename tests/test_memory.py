"""Freed memory handed back between batches (flows/memory.py); DuckDB's memory limits per step."""
from __future__ import annotations

import logging

from flows import storage
from flows.memory import release_free_memory
from flows.settings import Settings


def test_release_free_memory_is_safe_to_call_anywhere():
    done = release_free_memory()  # True with glibc; elsewhere a no-op that says so
    assert isinstance(done, bool) and release_free_memory() == done


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_work_over_its_memory_limit_is_rolled_back_and_done_again_without_it(tmp_path):
    """``in_memory_limit`` (a batch's transaction, the search index): under the limit the work
    runs once; over it, DuckDB's out-of-memory error rolls the transaction back (nothing of the
    first try is kept) and the work is done again without the limit, with a warning."""
    from flows.pipeline.stages import in_memory_limit

    settings = Settings.from_env(db_path=str(tmp_path / "news.duckdb"))
    storage.connect(settings).close()
    tries: list[str] = []

    def work(con, _settings):
        tries.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        con.execute("CREATE TABLE IF NOT EXISTS t AS SELECT 1 AS x")
        con.execute("INSERT INTO t VALUES (2)")
        return con.execute("SELECT count(*) FROM (SELECT DISTINCT range FROM range(2000000))").fetchone()[0]

    lines = _Lines()
    logger = logging.getLogger("flows.pipeline.stages")  # outside a flow run: the module's logger
    logger.addHandler(lines)
    try:
        assert in_memory_limit(settings, "1MB", "NEWSFLOW_BATCH_MEMORY", "batch 7", work) == 2_000_000
        assert len(tries) == 2 and tries[0] != tries[1]
        assert any("batch 7 did not fit in 1MB (NEWSFLOW_BATCH_MEMORY)" in line for line in lines.lines)
        lines.lines.clear()
        tries.clear()
        assert in_memory_limit(settings, "128MB", "NEWSFLOW_BATCH_MEMORY", "batch 8", work) == 2_000_000
        assert len(tries) == 1 and not lines.lines
        # the user's own limit for every connection rules: no limit of the step's own, no retry
        ruled = Settings.from_env(db_path=settings.db_path, memory_limit="1GB")
        tries.clear()
        assert in_memory_limit(ruled, "1MB", "NEWSFLOW_BATCH_MEMORY", "batch 9", work) == 2_000_000
        assert len(tries) == 1 and not lines.lines
    finally:
        logger.removeHandler(lines)
    con = storage.connect(settings, read_only=True)
    try:  # the rolled-back try left nothing: one row per successful try, and the table made once
        assert con.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,), (2,), (2,)]
    finally:
        con.close()


def test_memory_sizes_are_read_as_duckdb_reads_them():
    from flows.pipeline.stages import memory_bytes

    assert memory_bytes("128MB") == 128_000_000 and memory_bytes("1.5GiB") == 3 * 2**29
    assert memory_bytes(" 64 kb ") == 64_000 and memory_bytes("1000000B") == 1_000_000
    assert memory_bytes("512") is None and memory_bytes("lots") is None and memory_bytes("") is None


def test_a_batch_limit_grows_with_what_the_batch_writes(tmp_path):
    """Room for the batch's own rows (DuckDB holds a transaction's appends until the commit) on
    top of NEWSFLOW_BATCH_MEMORY: 200 documents of 270 KB did not fit in 128 MB alone."""
    from flows.pipeline.stages import batch_memory_limit
    from flows.records import Article, RawDocument

    docs = [RawDocument(raw_id=f"r{i}", source=f"s{i}", kind="text", content=b"x" * 1_000_000) for i in range(3)]
    articles = [Article(article_id=f"a{i}", raw_id=f"r{i}", source=f"s{i}", url=None, title=None, author=None,
                        published_date=None, language="en", text="y" * 500_000, word_count=1) for i in range(3)]
    settings = Settings(db_path=str(tmp_path / "x.duckdb"), batch_memory="128MB")
    assert batch_memory_limit(settings, [], []) == "128000000B"
    assert batch_memory_limit(settings, docs, articles) == f"{128_000_000 + 2 * 4_500_000}B"
    # a value this code does not read goes to DuckDB as given (its message says what is wrong)
    assert batch_memory_limit(Settings(db_path=settings.db_path, batch_memory="512"), docs, articles) == "512"
    assert batch_memory_limit(Settings(db_path=settings.db_path, batch_memory=""), docs, articles) == ""  # none
