"""Sorting SOURCE arguments into files and URLs, and the user-facing errors."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from flows.settings import Settings
from flows.sources import SourceError, resolve_sources


def test_folders_are_expanded_sorted_recursive_known_suffixes_only(tmp_path):
    for name in ["b.txt", "a.html", "sub/c.jsonl.gz", "sub/d.warc.gz", "notes.md", ".hidden.txt",
                 ".git/x.txt", "list.urls", "e.HTM", "f.json"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    specs = resolve_sources([str(tmp_path)], Settings())
    assert [p.relative_to(tmp_path).as_posix() for p in specs.local] == [
        "a.html", "b.txt", "e.HTM", "f.json", "sub/c.jsonl.gz", "sub/d.warc.gz"]
    assert all(p.is_absolute() for p in specs.local)
    assert sorted(p.name for p in specs.skipped) == ["list.urls", "notes.md"]
    assert specs.urls == []


def test_urls_and_url_lists(tmp_path):
    lst = tmp_path / "feeds.urls"
    lst.write_text("# my feeds\nhttps://example.com/rss\n\n  http://example.org/page  \nhttps://example.com/rss\n")
    specs = resolve_sources(["https://a.example/x", str(lst), "https://a.example/x"], Settings())
    assert specs.urls == ["https://a.example/x", "https://example.com/rss", "http://example.org/page"]
    assert specs.local == []


def test_relative_paths_become_absolute_and_repeats_are_dropped(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("hello")
    monkeypatch.chdir(tmp_path)
    specs = resolve_sources(["a.txt", "./a.txt", "."], Settings())
    assert specs.local == [tmp_path / "a.txt"]


@pytest.mark.parametrize(
    "arg, message",
    [
        ("missing.txt", "No such file or directory: 'missing.txt' (give a file, a folder, or an http(s):// URL)"),
        ("file:///etc/passwd", "Unsupported URL scheme 'file' in 'file:///etc/passwd': only http(s) URLs are fetched"),
        ("ftp://example.com/a", "Unsupported URL scheme 'ftp' in 'ftp://example.com/a': only http(s) URLs are fetched"),
    ],
)
def test_unusable_arguments_raise_one_line_errors(arg, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SourceError) as info:
        resolve_sources([arg], Settings())
    assert str(info.value) == message


def test_explicit_file_of_unknown_type_is_an_error(tmp_path):
    (tmp_path / "notes.md").write_text("x")
    with pytest.raises(SourceError, match="Unsupported file type"):
        resolve_sources([str(tmp_path / "notes.md")], Settings())


@hypothesis_settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(".aAxé gGzZtTjJsSoOnNwWrRcChHmMlLuU-")), max_size=14))
def test_a_file_kind_comes_from_its_name_as_pathlib_gives_its_suffix(name):
    """``classify`` finds the suffix without a path object (it runs twice per file of a folder):
    the same kind as the suffix ``PurePath`` gives, ``.gz`` taken off first."""
    from pathlib import PurePosixPath

    from flows.sources.common import SUFFIX_KINDS, FileKind, classify

    path = PurePosixPath("/data") / name
    if path.name != name:  # "", ".", a name pathlib normalises: not a file name
        return
    lower = name.lower()
    gz = lower.endswith(".gz")
    reader = SUFFIX_KINDS.get(PurePosixPath(lower[:-3] if gz else lower).suffix)
    assert classify(path) == (FileKind(reader, gz) if reader else None)
