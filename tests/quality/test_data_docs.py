"""Data Docs: built into settings.quality_path, opened in headless Chromium."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from flows.quality import build_data_docs, check_clean, check_raw
from flows.quality.runner import gx_context, take_kept_results
from flows.records import RawDocument

from .conftest import make_article

SUITES = ("newsflow_raw", "newsflow_clean", "newsflow_dedup", "newsflow_stories")


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _forget_results_of_other_tests() -> None:
    """GX results are kept in the process until a Data Docs build shows them; tests run before
    this one in the same worker may have left some, and a build shows all."""
    take_kept_results()


@pytest.fixture(autouse=True)
def _no_results_from_other_tests():
    _forget_results_of_other_tests()
    yield
    _forget_results_of_other_tests()


def _build(settings) -> Path:
    check_raw([RawDocument(source="/data/a.txt", kind="text", content=b"")], settings, batch=0)
    check_clean([make_article(n=1), make_article(n=2, title=None)], settings, batch=0)
    index = build_data_docs(settings)
    assert index is not None
    return index


def test_data_docs_written_to_quality_path(settings):
    index = _build(settings)
    assert index == settings.quality_path.resolve() / "index.html"
    html = index.read_text()
    for suite in SUITES:
        assert suite in html
    validations = index.parent / "validations"
    assert (validations / "newsflow_raw").is_dir() and (validations / "newsflow_clean").is_dir()
    assert take_kept_results() == []  # the results shown are forgotten: the next run shows its own
    assert list(gx_context().validation_results_store.list_keys()) == []  # and gone from GX's store


def test_data_docs_in_headless_chromium(settings, tmp_path):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium; .ci/run installs it)")
    index = _build(settings)
    cmd = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}", "--dump-dom", index.as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "<html" in dom.lower()
    # visible text, not the JSON GX hands its (CDN-loaded) table script
    visible = re.sub(r"<script\b.*?</script>", "", dom, flags=re.S | re.I)
    for suite in SUITES:
        assert suite in visible, f"{suite} not in the rendered Data Docs"
    assert "raw batch 0" in visible and "clean batch 0" in visible


def test_each_build_shows_only_its_run(settings):
    first = _build(settings)
    pages = {p.name for p in first.parent.glob("validations/**/*.html")}
    assert len(pages) == 2
    check_raw([RawDocument(source="/data/b.txt", kind="text", content=b"x" * 40)], settings, batch=7)
    second = build_data_docs(settings)
    html = second.read_text()
    assert "raw batch 7" in html and "clean batch 0" not in html
    assert {p.name for p in second.parent.glob("validations/**/*.html")}.isdisjoint(pages)
