"""Hostile local inputs: each ends as one quarantined document (or a counted skip), never a hang,
a crash of the reader, or a blow-up of memory. Each test is one case of issue 13."""
from __future__ import annotations

import gzip
import json
import os
import resource
import socket
from collections import Counter

import pytest

from flows.settings import Settings
from flows.sources import error_reason, iter_local_documents, resolve_sources
from flows.sources.feeds import looks_like_feed

MB = 1024 * 1024


def read_folder(folder, settings=Settings(), stats=None):
    specs = resolve_sources([str(folder)], settings)
    return specs, list(iter_local_documents(specs.local, settings, stats, refused=specs.refused))


def gzip_bomb(inflated: int, unit: bytes = b"\0") -> bytes:
    """``inflated`` bytes of ``unit`` as gzip: one 1 MB member repeated (a valid multi-member
    gzip file, about 1 KB per MB), built without ever holding the inflated bytes."""
    member = gzip.compress(unit * MB, 9)
    return member * (inflated // MB)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- JSON


def test_json_line_nested_100000_deep_is_quarantined_and_the_file_goes_on(tmp_path):
    path = tmp_path / "deep.jsonl"
    deep = "[" * 100_000 + "]" * 100_000
    path.write_text("\n".join([
        json.dumps({"text": "first story"}),
        deep,
        '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}",
        json.dumps({"text": "last story"}),
    ]) + "\n")
    docs = list(iter_local_documents([path], Settings()))
    assert [d.error is None for d in docs] == [True, False, False, True]
    assert docs[1].error.startswith("malformed JSON on line 2: nested too deep")
    assert error_reason(docs[1].error) == "malformed_json"
    assert docs[3].content == b"last story"


def test_json_file_nested_too_deep_is_one_quarantined_document(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"items": ' + "[" * 100_000 + "]" * 100_000 + "}")
    [doc] = iter_local_documents([path], Settings())
    assert doc.error.startswith("malformed JSON") and error_reason(doc.error) == "malformed_json"


def test_json_gz_bomb_is_capped_while_inflating(tmp_path):
    # 1 GB of spaces inside a JSON array compresses to about 1 MB; it used to be inflated whole.
    path = tmp_path / "bomb.json.gz"
    path.write_bytes(b"".join([gzip.compress(b'[{"text": "x"}, '), gzip_bomb(1024 * MB, b" ")]))
    before = peak_rss_mb()
    [doc] = iter_local_documents([path], Settings(max_json_bytes=8 * MB))
    assert error_reason(doc.error) == "too_large"
    assert "NEWSFLOW_MAX_JSON_BYTES" in doc.error and "more than" in doc.error
    assert peak_rss_mb() - before < 200


def test_txt_gz_bomb_stops_just_past_the_document_limit(tmp_path):
    path = tmp_path / "bomb.txt.gz"
    path.write_bytes(gzip_bomb(512 * MB))
    [doc] = iter_local_documents([path], Settings(max_document_bytes=MB))
    assert error_reason(doc.error) == "too_large"
    assert doc.error.startswith("too large: more than") and "NEWSFLOW_MAX_DOCUMENT_BYTES" in doc.error
    assert doc.content == b"" and doc.content_hash


def test_jsonl_gz_bomb_line_is_one_too_large_line(tmp_path):
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps({"text": "ok"}).encode() + b"\n") + gzip_bomb(64 * MB, b"a"))
    before = peak_rss_mb()
    docs = list(iter_local_documents([path], Settings(max_document_bytes=MB)))
    assert docs[0].error is None and error_reason(docs[1].error) == "too_large"
    assert peak_rss_mb() - before < 200


# --------------------------------------------------------------------------- folders


def test_fifo_device_and_socket_in_a_folder_are_skipped_and_counted(tmp_path):
    (tmp_path / "good.txt").write_text("A good story.")
    os.mkfifo(tmp_path / "pipe.txt")  # opening it would block forever
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock.txt"))
        specs, docs = read_folder(tmp_path)
    assert [os.path.basename(d.source) for d in docs] == ["good.txt"]
    assert sorted(p.name for p in specs.special) == ["pipe.txt", "sock.txt"]


def test_symlink_to_dev_zero_is_refused_with_a_quarantine_row(tmp_path):
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "good.txt").write_text("A good story.")
    specs, docs = read_folder(tmp_path)
    by_name = {os.path.basename(d.source): d for d in docs}
    assert by_name["good.txt"].error is None
    assert error_reason(by_name["zero.txt"].error) == "outside_folder"
    assert "/dev/zero" in by_name["zero.txt"].error


def test_symlink_to_a_file_outside_the_folder_is_not_ingested(tmp_path):
    inbox, secret = tmp_path / "inbox", tmp_path / "secret.txt"
    inbox.mkdir()
    secret.write_text("private notes, not for the pipeline")
    (inbox / "notes.txt").symlink_to(secret)
    (inbox / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    (inbox / "inside.txt").write_text("inside story")
    (inbox / "alias.txt").symlink_to(inbox / "inside.txt")  # a link within the folder is fine
    specs, docs = read_folder(inbox)
    got = {os.path.basename(d.source): (d.content, d.error and error_reason(d.error)) for d in docs}
    assert got == {
        "alias.txt": (b"inside story", None),
        "elsewhere": (b"", "outside_folder"),
        "inside.txt": (b"inside story", None),
        "notes.txt": (b"", "outside_folder"),
    }


def test_symlink_loops_end(tmp_path):
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)  # a folder loop
    (tmp_path / "sub" / "story.txt").write_text("A story.")
    specs, docs = read_folder(tmp_path)
    got = {os.path.basename(d.source): d.error and error_reason(d.error) for d in docs}
    assert got == {"a.txt": "symlink_loop", "b.txt": "symlink_loop", "story.txt": None}


def test_a_fifo_given_by_name_is_a_usage_error(tmp_path):
    from flows.sources import SourceError

    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(SourceError, match="Not a regular file"):
        resolve_sources([str(tmp_path / "pipe.txt")])


def test_a_fifo_swapped_in_after_listing_is_not_opened(tmp_path):
    path = tmp_path / "late.txt"
    os.mkfifo(path)
    [doc] = iter_local_documents([path], Settings())  # listed as a file, now a FIFO: must not block
    assert error_reason(doc.error) == "not_regular_file" and "FIFO" in doc.error


# --------------------------------------------------------------------------- feeds sniffing


def test_feed_sniffing_is_linear_in_processing_instructions():
    # 40 processing instructions took the old pattern minutes (2^n backtracking).
    body = b'<?xml version="1.0"?>' * 40 + b"<html><body>page</body></html>"
    assert looks_like_feed("", body) is False
    assert looks_like_feed("", b'<?xml version="1.0"?>' * 40 + b"<rss version='2.0'>") is True
    assert looks_like_feed("", b"<!--" * 2000) is False
    stats = Counter()
    assert stats == Counter()


def test_sitemap_sniffing_is_linear_in_processing_instructions():
    # The sitemap sniffer had the same overlapping pattern as the feed sniffer (found end to end).
    from flows.sources.sitemaps import looks_like_sitemap

    assert looks_like_sitemap(b'<?xml version="1.0"?>' * 60 + b"<html><body>page</body></html>") is False
    assert looks_like_sitemap(b'<?xml version="1.0"?>\n<!DOCTYPE u [<!ENTITY a "b">]>\n<urlset xmlns="x">') is True
