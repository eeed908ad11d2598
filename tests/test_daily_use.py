"""Daily use: the DuckDB shell set-up installs, the README's shell examples, --dask without its extra."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import duckdb_cli, main
from tests_support import ROOT

DUCKDB = Path(sys.executable).parent / "duckdb"


def readme_shell_examples() -> list[str]:
    """The statements of the README block marked duckdb-shell-examples, comments left out."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- duckdb-shell-examples", 1)[1].split("-->", 1)[1]
    block = block.split("<!-- end of duckdb-shell-examples", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("--")]


def test_setup_installs_the_duckdb_shell_at_the_files_version():
    import duckdb

    assert duckdb_cli() == DUCKDB and DUCKDB.exists(), "make setup installs duckdb-cli into .venv/bin"
    out = subprocess.run([str(DUCKDB), "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith(f"v{duckdb.__version__}"), out.stdout + out.stderr


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory, prefect_api):
    import os

    from conftest import run_cli

    path = tmp_path_factory.mktemp("shell") / "news.duckdb"
    env = dict(os.environ, PREFECT_API_URL=prefect_api)
    env.pop("NEWSFLOW_DB", None)
    proc = run_cli(["run", "--db", str(path)], env)
    assert proc.returncode == 0, proc.stderr
    return path


@pytest.mark.slow
def test_readme_shell_examples_work_as_written(sample_db):
    statements = readme_shell_examples()
    assert any(s.startswith("LOAD ") for s in statements) and any("bm25(" in s for s in statements)
    argv = [str(DUCKDB), "-readonly", str(sample_db)]
    for statement in statements:
        argv += ["-c", statement]
    out = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)  # paths as in the README
    assert out.returncode == 0 and "Error" not in out.stderr, out.stderr
    assert "articles_unique" not in out.stderr
    assert "Korea" in out.stdout and "story_summary" in out.stdout  # the search's titles; .tables lists the views


@pytest.mark.slow
def test_newsflow_shell_loads_search_and_runs_sql(sample_db):
    out = subprocess.run(
        [sys.executable, "-m", "flows", "shell", "--db", str(sample_db),
         "SELECT count(*) AS hits FROM bm25('korea')"],
        cwd="/", capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "hits" in out.stdout and "│     0 │" not in out.stdout


def test_shell_without_database_says_what_to_do(tmp_path, capsys):
    assert main(["shell", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "newsflow run" in capsys.readouterr().err


def test_dask_without_the_extra_says_what_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "prefect_dask", None)  # as if the optional extra were not installed
    code = main(["run", "--db", str(tmp_path / "news.duckdb"), "--dask", "tcp://127.0.0.1:8786"])
    err = capsys.readouterr().err
    assert code == 2
    assert "pip install -e '.[dask]'" in err and err.count("\n") == 1
    assert not (tmp_path / "news.duckdb").exists()


def test_since_must_be_a_date(tmp_path, capsys):
    assert main(["run", "https://news.example/sitemap.xml", "--since", "last week", "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "--since 'last week' is not a date" in capsys.readouterr().err


def test_run_help_names_the_new_options(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    for words in ("--ignore-robots", "--since DATE", "sitemap", "robots.txt", "304", "resource/conversion",
                  "newsflow shell", "logs"):
        assert words in out, words
