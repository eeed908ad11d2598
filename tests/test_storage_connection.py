"""The DuckDB file as a writer opens it: its usual name, small row groups, the one-writer lock."""
from __future__ import annotations

import os

import duckdb
import pytest

from flows.settings import Settings
from flows.storage import connect, transaction
from flows.storage.connection import ROW_GROUP_SIZE


def test_a_writer_appends_in_small_row_groups_under_the_files_own_name(tmp_path):
    """A commit checkpoints; it rewrites the row groups rows were appended to, whole, so they
    are kept small (DuckDB's default would put 122,880 rows in one)."""
    settings = Settings(db_path=str(tmp_path / "news.duckdb"))
    for batch in range(3):
        with transaction(settings) as con:
            assert con.execute("SELECT current_database()").fetchone() == ("news",)
            con.execute("CREATE TABLE IF NOT EXISTS t (i BIGINT, s VARCHAR)")
            con.execute("INSERT INTO t SELECT i, 'row ' || i FROM range(?, ?) r(i)",
                        [batch * 10_000, (batch + 1) * 10_000])
    con = duckdb.connect(settings.db_path, read_only=True)
    try:
        assert con.execute("SELECT count(*), count(DISTINCT i) FROM t").fetchone() == (30_000, 30_000)
        groups = con.execute("SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('t')").fetchone()[0]
        assert groups >= -(-30_000 // ROW_GROUP_SIZE) > 1
        assert con.execute("SELECT count(*) FROM articles_unique").fetchone() == (0,)  # views resolve
    finally:
        con.close()


def test_a_second_writer_waits_then_says_the_file_is_busy(tmp_path):
    settings = Settings(db_path=str(tmp_path / "news.duckdb"))
    holder = connect(settings)
    try:
        import subprocess
        import sys

        code = ("import sys; from flows.storage.connection import _open, DatabaseBusy\n"
                "try:\n    _open(sys.argv[1], False, 0.3)\nexcept DatabaseBusy as exc:\n    print('busy:', exc)\n")
        out = subprocess.run([sys.executable, "-c", code, settings.db_path], capture_output=True, text=True,
                             timeout=120)
        assert out.stdout.startswith("busy:") and f"held by PID {os.getpid()}" in out.stdout, out.stderr
    finally:
        holder.close()
    with pytest.raises(FileNotFoundError):
        connect(Settings(db_path=str(tmp_path / "none.duckdb")), read_only=True)
