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
