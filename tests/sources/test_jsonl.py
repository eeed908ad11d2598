"""JSON and JSON lines inputs: one document per object, errors per line."""
from __future__ import annotations

import gzip
import json
from collections import Counter

from flows.settings import Settings
from flows.sources import iter_local_documents


def read(path, settings=Settings(), stats=None):
    return list(iter_local_documents([path], settings, stats))


def test_json_lines_with_a_malformed_line(tmp_path):
    path = tmp_path / "articles.jsonl"
    lines = [
        json.dumps({"text": "Plain text story", "url": "https://e.com/1", "title": "T1", "published": "2023-10-20",
                    "author": "Ann"}),
        json.dumps({"html": "<p>caf\u00e9</p>", "text": "ignored when html is there"}),
        "",
        '{"text": "broken" "x": 1}',
        json.dumps({"title": "no body"}),
        json.dumps(["not", "an", "object"]),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stats = Counter()
    docs = read(path, stats=stats)
    base = str(path)
    assert [d.source for d in docs] == [f"{base}#1", f"{base}#2", f"{base}#4", f"{base}#5", f"{base}#6"]
    first, second, bad, empty, array = docs
    assert (first.kind, first.content, first.url, first.error) == ("text", b"Plain text story", "https://e.com/1", None)
    assert first.hints == {"title": "T1", "published": "2023-10-20", "author": "Ann"}
    assert first.content_type == "text/plain; charset=utf-8"
    assert (second.kind, second.content) == ("html", "<p>caf\u00e9</p>".encode())
    assert bad.error == "malformed JSON on line 4: Expecting ',' delimiter (column 19)"
    assert bad.content == b'{"text": "broken" "x": 1}'
    assert empty.error == "no text or html field" and empty.hints == {"title": "no body"}
    assert array.error == "not a JSON object (got list)"
    assert stats["jsonl_blank_lines"] == 1


def test_gzipped_json_lines_truncated(tmp_path):
    rows = "".join(json.dumps({"text": f"story {i} " + "word " * 50}) + "\n" for i in range(200))
    data = gzip.compress(rows.encode())
    path = tmp_path / "big.jsonl.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    docs = read(path)
    good = [d for d in docs if not d.error]
    assert 0 < len(good) < 200
    assert [d.source for d in good] == [f"{path}#{i}" for i in range(1, len(good) + 1)]
    assert len(docs) == len(good) + 1  # the broken tail ends as one error document, after the good lines
    assert docs[-1].error.startswith("truncated gzip after line ") and docs[-1].source.startswith(f"{path}#")


def test_json_array_and_single_object(tmp_path):
    array = tmp_path / "many.json"
    array.write_text(json.dumps([{"text": "one"}, {"html": "<p>two</p>", "title": "Two"}, {"nothing": 1}]))
    single = tmp_path / "one.json.gz"
    single.write_bytes(gzip.compress(json.dumps({"text": "only", "url": "https://e.com/o"}).encode()))
    docs = read(array) + read(single)
    assert [(d.source, d.kind, d.content, d.error) for d in docs] == [
        (f"{array}#1", "text", b"one", None),
        (f"{array}#2", "html", b"<p>two</p>", None),
        (f"{array}#3", "text", b'{"nothing": 1}', "no text or html field"),
        (str(single), "text", b"only", None),
    ]


def test_json_file_holding_json_lines_is_read_as_lines(tmp_path):
    path = tmp_path / "mislabelled.json"
    path.write_text('{"text": "a"}\n{"text": "b"}\n')
    assert [(d.source, d.content) for d in read(path)] == [(f"{path}#1", b"a"), (f"{path}#2", b"b")]


def test_malformed_json_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"text": ')
    [doc] = read(path)
    assert doc.source == str(path) and doc.error.startswith("malformed JSON: Expecting value")


def test_oversized_line_is_skipped_without_loading_it(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"text": "x" * 5000}) + "\n" + json.dumps({"text": "short"}) + "\n")
    docs = read(path, Settings(max_document_bytes=1000))
    assert docs[0].error == "too large: 5013 bytes (limit 1000); raise NEWSFLOW_MAX_DOCUMENT_BYTES"
    assert (docs[1].source, docs[1].content) == (f"{path}#2", b"short")


def test_gigabytes_of_blank_lines_are_skipped_in_bulk(tmp_path, monkeypatch):
    """A 2 MB gzip file inflating to 2 GB of newlines took one readline call per line (about
    12 minutes); blank runs are now skipped in bulk (a few calls), line numbers and counts unchanged."""
    import zlib

    from flows.sources import jsonl

    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    blank = b"\n" * (1 << 20)
    data = packer.compress(b"\n \r\n") + b"".join(packer.compress(blank) for _ in range(64))
    data += packer.compress(b'  {"text": "after the blanks"}\n\t\n') + packer.flush()
    path = tmp_path / "blank.jsonl.gz"
    path.write_bytes(data)
    calls = Counter()

    class Counting:
        def __init__(self, stream):
            self.stream = stream

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

        def __getattr__(self, name):
            calls[name] += 1
            return getattr(self.stream, name)

    opened = jsonl._open
    monkeypatch.setattr(jsonl, "_open", lambda path, gz: Counting(opened(path, gz)))
    stats = Counter()
    [doc] = read(path, stats=stats)
    lines = 2 + 64 * (1 << 20)
    assert doc.source == f"{path}#{lines + 1}" and doc.content == b"after the blanks" and doc.error is None
    assert stats["jsonl_blank_lines"] == lines + 1
    assert calls["readline"] < 10  # one per line before: 67 million


def test_blank_runs_keep_line_numbers(tmp_path):
    path = tmp_path / "gaps.jsonl"
    path.write_bytes(b'\n\r\n  \n{"text": "three"}\n\n\n   {"text": "six"}\n{"text": "seven"}\n \n')
    stats = Counter()
    docs = read(path, stats=stats)
    assert [(d.source.rsplit("#", 1)[1], d.content) for d in docs] == [("4", b"three"), ("7", b"six"),
                                                                      ("8", b"seven")]
    assert stats["jsonl_blank_lines"] == 6
