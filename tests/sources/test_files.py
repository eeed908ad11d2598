"""Text and HTML files, plain or gzip-compressed, including broken ones."""
from __future__ import annotations

import gzip
import os
from collections import Counter

import pytest

from flows.records import sha256_hex
from flows.settings import Settings
from flows.sources import iter_local_documents, resolve_sources


def read(paths, settings=Settings(), stats=None):
    return list(iter_local_documents(paths, settings, stats))


def test_text_and_html_files_keep_their_bytes(tmp_path):
    (tmp_path / "a.txt").write_bytes("Caf\xe9 latin-1".encode("latin-1"))
    (tmp_path / "b.html").write_bytes(b"<html><body>Hi</body></html>")
    (tmp_path / "c.htm.gz").write_bytes(gzip.compress(b"<p>zipped</p>"))
    (tmp_path / "d.txt").write_bytes(b"")
    (tmp_path / "e.txt").write_bytes(bytes(range(256)))
    docs = read(resolve_sources([str(tmp_path)]).local)
    got = {os.path.basename(d.source): (d.kind, d.content, d.error) for d in docs}
    assert got == {
        "a.txt": ("text", "Caf\xe9 latin-1".encode("latin-1"), None),
        "b.html": ("html", b"<html><body>Hi</body></html>", None),
        "c.htm.gz": ("html", b"<p>zipped</p>", None),
        "d.txt": ("text", b"", None),  # empty and binary files are passed on; the checks reject them
        "e.txt": ("text", bytes(range(256)), None),
    }
    assert docs[0].source == str(tmp_path / "a.txt")


def test_truncated_gzip_keeps_the_compressed_bytes(tmp_path):
    data = gzip.compress(b"<p>" + b"words " * 2000 + b"</p>")
    path = tmp_path / "broken.html.gz"
    path.write_bytes(data[: len(data) // 2])
    [doc] = read([path])
    assert doc.error.startswith("truncated gzip: ")
    assert doc.content == data[: len(data) // 2]
    assert doc.source == str(path) and doc.kind == "html"


def test_not_gzip_at_all(tmp_path):
    path = tmp_path / "fake.txt.gz"
    path.write_bytes(b"plain text, not gzip")
    [doc] = read([path])
    assert doc.error.startswith("not a valid gzip file") and doc.content == b"plain text, not gzip"


def test_oversized_document_keeps_nothing_but_its_hash(tmp_path):
    body = b"a" * 5000
    path = tmp_path / "big.txt"
    path.write_bytes(body)
    [doc] = read([path], Settings(max_document_bytes=1000))
    assert doc.error == "too large: 5000 bytes (limit 1000); raise NEWSFLOW_MAX_DOCUMENT_BYTES"
    assert doc.content == b"" and doc.content_hash == sha256_hex(body)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("x")
    path.chmod(0)
    [doc] = read([path])
    assert doc.error == "unreadable: Permission denied"


def test_missing_file_at_read_time_is_an_error_document(tmp_path):
    stats = Counter()
    [doc] = read([tmp_path / "gone.txt"], stats=stats)
    assert doc.error == "unreadable: No such file or directory"
    assert stats["local_errors"] == 1


def test_file_name_that_is_not_utf8_gets_a_printable_source(tmp_path):
    """A name with stray bytes (``bad\\xff.txt``) made the raw id's encode raise, and the whole run
    failed before storing anything; now its source is valid text, the same on every read."""
    import duckdb

    folder = os.fsencode(tmp_path)
    for name in (b"bad\xff\xfename.txt", b"rows\xe9.jsonl"):
        with open(os.path.join(folder, name), "wb") as out:
            out.write(b'{"text": "a line"}\n' if name.endswith(b".jsonl") else b"A story.")
    docs = read(resolve_sources([str(tmp_path)]).local)
    assert sorted(os.path.basename(d.source) for d in docs) == ["bad\\xff\\xfename.txt", "rows\\xe9.jsonl#1"]
    assert all(d.error is None for d in docs)
    assert [d.raw_id for d in docs] == [d.raw_id for d in read(resolve_sources([str(tmp_path)]).local)]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (source VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[d.source] for d in docs])  # valid UTF-8 for DuckDB
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 2


def test_link_to_a_name_that_is_not_utf8_gives_a_printable_reason(tmp_path):
    outside, folder = tmp_path / "outside", tmp_path / "inbox"
    outside.mkdir(), folder.mkdir()
    target = os.path.join(os.fsencode(outside), b"tar\xffget.txt")
    with open(target, "wb") as out:
        out.write(b"A story.")
    os.symlink(target, folder / "link.txt")
    specs = resolve_sources([str(folder)])
    [doc] = list(iter_local_documents(specs.local, Settings(), refused=specs.refused))
    assert doc.error.startswith("refused: outside the folder") and doc.error.endswith("tar\\xffget.txt")
    doc.error.encode("utf-8")  # storable
