"""A text file another process is still writing is not stored as whatever part of it was read
(session 11): its document says it changed while read, and the next run reads it whole."""
from __future__ import annotations

import subprocess
import sys

import pytest

from flows.settings import Settings
from flows.sources import error_reason, iter_local_documents

APPEND = """
import sys, time
path = sys.argv[1]
with open(path, "ab", buffering=0) as out:
    out.write(b"x")
    print("started", flush=True)
    while True:
        out.write(b"More words keep coming in. ")
        time.sleep(0.0001)
"""


def test_a_file_growing_while_read_is_an_error_document_and_read_whole_later(tmp_path):
    path = tmp_path / "growing.txt"
    flagged = None
    for _ in range(20):  # the writer must run while the file is read: the machine may be busy
        path.write_bytes(b"A story that is still being written. " * 50_000)  # 1.8 MB: reading takes a while
        writer = subprocess.Popen([sys.executable, "-c", APPEND, str(path)], stdout=subprocess.PIPE, text=True)
        try:
            assert writer.stdout.readline().strip() == "started"
            [doc] = iter_local_documents([path], Settings())
        finally:
            writer.kill()
            writer.wait()
        if doc.error:
            flagged = doc
            break
    if flagged is None:
        pytest.skip("the writer never ran while the file was read")
    assert error_reason(flagged.error) == "changed_while_read"
    assert flagged.error.startswith("changed while read: ") and "run again once it is written" in flagged.error
    [whole] = iter_local_documents([path], Settings())  # written: read whole, as a new document
    assert whole.error is None and whole.content == path.read_bytes() and whole.raw_id != flagged.raw_id


def test_a_file_nobody_writes_is_read_as_always(tmp_path):
    path = tmp_path / "still.txt"
    path.write_bytes(b"A finished story. " * 1000)
    [first] = iter_local_documents([path], Settings())
    [again] = iter_local_documents([path], Settings())
    assert first.error is None and (first.raw_id, first.content) == (again.raw_id, path.read_bytes())


def test_a_part_read_that_equals_the_finished_file_is_still_read_again(tmp_path, monkeypatch):
    """The writer may stop right after the read: what was read is then the file's final content,
    and under the same raw id the next run found it "stored already", so the article stayed in
    quarantine for good (seen once in a loaded test run). The part read has its own raw id."""
    from flows.sources import files

    path = tmp_path / "done.txt"
    path.write_bytes(b"A finished story. " * 1000)
    versions = iter([(1, 1, 1), (2, 2, 1)])  # the file's size and time moved during the read, then stopped
    with monkeypatch.context() as m:
        m.setattr(files, "_version", lambda _path: next(versions))
        [flagged] = iter_local_documents([path], Settings())
    [whole] = iter_local_documents([path], Settings())
    assert error_reason(flagged.error) == "changed_while_read" and flagged.content == whole.content
    assert whole.error is None and whole.raw_id != flagged.raw_id  # a new document for the next run
