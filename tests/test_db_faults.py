"""The database file itself at fault: written by a newer newsflow, held by another program,
not a database at all. Each stops the command with a message saying what to do."""
from __future__ import annotations

import duckdb
import pytest

from flows import storage
from flows.settings import Settings


def test_a_database_written_by_a_newer_newsflow_is_refused_before_anything_is_written(tmp_path):
    """It records a migration this code lacks: the run used to go on, writing the old layout into
    tables a newer version laid out differently."""
    path = tmp_path / "news.duckdb"
    storage.connect(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_migrations VALUES (999, '999_from_the_future.sql', 'x', now())")
    runs_before = con.execute("SELECT count(*) FROM runs").fetchone()
    con.close()
    with pytest.raises(storage.SchemaTooNew) as info:
        with storage.transaction(Settings(db_path=str(path))):
            pass
    message = str(info.value)
    assert str(path) in message and "999_from_the_future.sql" in message and "Update newsflow" in message
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM runs").fetchone() == runs_before
    con.close()
    assert storage.connect(path, read_only=True).execute("SELECT 1").fetchone() == (1,)  # queries still work
