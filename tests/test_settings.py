"""Settings are built once, in one place: the environment, then the CLI or a deployment's parameters."""
from __future__ import annotations

import os

from flows.cli import _settings, build_parser
from flows.pipeline import run_settings
from flows.settings import DEFAULT_DB_PATH, Settings


def test_newsflow_db_is_the_variable_and_db_path_a_deprecated_alias(monkeypatch):
    monkeypatch.delenv("NEWSFLOW_DB", raising=False)
    monkeypatch.delenv("NEWSFLOW_DB_PATH", raising=False)
    assert Settings.from_env().db_path == DEFAULT_DB_PATH
    monkeypatch.setenv("NEWSFLOW_DB_PATH", "/old/name.duckdb")
    assert Settings.from_env().db_path == "/old/name.duckdb"
    monkeypatch.setenv("NEWSFLOW_DB", "/new/name.duckdb")
    assert Settings.from_env().db_path == "/new/name.duckdb"
    assert Settings.from_env(db_path="/arg.duckdb").db_path == "/arg.duckdb"


def test_the_cli_builds_settings_without_writing_the_environment(monkeypatch):
    monkeypatch.setenv("NEWSFLOW_MIN_WORDS", "7")
    before = dict(os.environ)
    args = build_parser().parse_args(["run", "--db", "/x.duckdb", "--storage", "ducklake", "--workers", "3",
                                      "--batch-size", "50", "--languages", "EN, de"])
    settings = _settings(args, workers=args.workers, batch_size=args.batch_size)
    assert dict(os.environ) == before
    assert (settings.db_path, settings.storage, settings.workers, settings.batch_size, settings.languages,
            settings.min_words) == ("/x.duckdb", "ducklake", 3, 50, ("en", "de"), 7)


def test_flow_parameters_build_the_same_settings(monkeypatch):
    monkeypatch.delenv("NEWSFLOW_DB", raising=False)
    given = Settings(db_path="/given.duckdb")
    assert run_settings(given, db_path="/ignored.duckdb") is given
    built = run_settings(db_path="/p.duckdb", languages=["en"], refetch=False, workers=None, storage="ducklake")
    assert (built.db_path, built.languages, built.refetch, built.storage) == ("/p.duckdb", ("en",), False, "ducklake")


def test_a_variable_that_is_not_a_number_names_itself_and_the_command_exits_as_a_usage_error(monkeypatch, capsys):
    """It was a ValueError traceback from the start-up (``int('abc')``), exit status 1."""
    import pytest

    from flows.cli import EXIT_USAGE, main
    from flows.settings import SettingsError

    monkeypatch.setenv("NEWSFLOW_BATCH_SIZE", "abc")
    with pytest.raises(SettingsError, match="NEWSFLOW_BATCH_SIZE='abc' is not a whole number"):
        Settings.from_env()
    assert main(["query", "SELECT 1", "--db", "/nonexistent/x.duckdb"]) == EXIT_USAGE
    assert "NEWSFLOW_BATCH_SIZE='abc'" in capsys.readouterr().err
    monkeypatch.setenv("NEWSFLOW_BATCH_SIZE", "10")
    monkeypatch.setenv("NEWSFLOW_FETCH_TIMEOUT_S", "soon")
    with pytest.raises(SettingsError, match="NEWSFLOW_FETCH_TIMEOUT_S='soon' is not a number"):
        Settings.from_env()


def test_a_batch_size_or_worker_count_below_one_is_refused(monkeypatch, capsys):
    import pytest

    from flows.cli import EXIT_USAGE, main
    from flows.settings import SettingsError

    monkeypatch.delenv("NEWSFLOW_BATCH_SIZE", raising=False)
    with pytest.raises(SettingsError, match=r"batch_size must be at least 1, not 0 \(--batch-size or NEWSFLOW_BATCH_SIZE\)"):
        Settings.from_env(batch_size=0)
    monkeypatch.setenv("NEWSFLOW_WORKERS", "-2")
    with pytest.raises(SettingsError, match="workers must be at least 1, not -2"):
        Settings.from_env()
    monkeypatch.delenv("NEWSFLOW_WORKERS")
    monkeypatch.setattr("flows.signals.install", lambda: None)  # the test process keeps its own handlers
    assert main(["run", "--db", "/nonexistent/x.duckdb", "--batch-size", "0"]) == EXIT_USAGE
    assert "batch_size must be at least 1" in capsys.readouterr().err
