"""A generated hostile corpus end to end through the real flow (issue 13).

One folder holds every hostile local input of the issue beside a few good
articles, and a local server serves the hostile pages; one real
``python -m flows run`` reads it all. Done when: exit 0, the good documents
stored, each hostile one quarantined with a clear reason (or, for a FIFO,
skipped and counted), peak memory under 1.5 GB, no process left behind.
"""
from __future__ import annotations

import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
import zlib

import duckdb
import psutil
import pytest

from tests_support import ROOT, SEEDS_DIR

pytestmark = pytest.mark.slow

GOOD_HTML = ("<html><head><title>Council approves the river bridge</title></head><body><article>"
             + "".join(f"<p>Paragraph {i}: the council approved the budget for the new river bridge on Tuesday, "
                       f"and residents said the plan would ease traffic in the old town.</p>" for i in range(8))
             + "</article></body></html>")
MB = 1 << 20


def _warc_record(payload: bytes, headers: list[tuple[str, str]], uri: str) -> bytes:
    http = b"HTTP/1.1 200 OK\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers) + b"\r\n" + payload
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:5f0c7a4e-0000-4000-8000-000000000001>\r\n"
            f"WARC-Target-URI: {uri}\r\nWARC-Date: 2026-11-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http)}\r\n\r\n").encode()
    return head + http + b"\r\n\r\n"


def build_corpus(folder, outside) -> dict[str, str | None]:
    """The corpus; returns file name -> expected quarantine reason (None: a good article)."""
    folder.mkdir()
    expected: dict[str, str | None] = {}
    for seed in sorted(SEEDS_DIR.glob("*.txt"))[:3]:
        shutil.copy(seed, folder / seed.name)
        expected[seed.name] = None
    (folder / "good.html").write_text(GOOD_HTML)
    expected["good.html"] = None
    # a JSON line nested 100,000 deep between two good lines
    good = json.dumps({"text": (SEEDS_DIR / sorted(os.listdir(SEEDS_DIR))[3]).read_text(), "title": "From JSON"})
    (folder / "deep.jsonl").write_text(good + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    expected["deep.jsonl#1"], expected["deep.jsonl#2"] = None, "malformed_json"
    # gzip bombs: .json.gz (1 GB inflated), .txt.gz (512 MB), a WARC record with Content-Encoding gzip (256 MB)
    (folder / "bomb.json.gz").write_bytes(gzip.compress(b"[") + gzip.compress(b" " * MB, 9) * 1024)
    expected["bomb.json.gz"] = "too_large"
    (folder / "bomb.txt.gz").write_bytes(gzip.compress(b"\0" * MB, 9) * 512)
    expected["bomb.txt.gz"] = "too_large"
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # one gzip member, built a megabyte at a time
    bomb = packer.compress(b"<html>") + b"".join(packer.compress(b" " * MB) for _ in range(256)) + packer.flush()
    (folder / "bomb.warc").write_bytes(_warc_record(bomb, [("Content-Type", "text/html"),
                                                           ("Content-Encoding", "gzip")], "http://bomb.example/"))
    # text that made regular expressions backtrack for tens of seconds
    (folder / "glued.txt").write_text("Glued tokens\n\n" + "a:" * 55_000 + "\n")
    (folder / "credit.txt").write_text("A credit line\n\n(" + "via " * 32_000 + ") x)\n")
    expected["glued.txt"] = expected["credit.txt"] = "any"  # text: stored or quarantined, never a hang
    # special files and links
    os.mkfifo(folder / "pipe.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    expected["zero.txt"] = "outside_folder"
    (outside / "secret.txt").write_text("Not for the pipeline. " * 20)
    (folder / "secret.txt").symlink_to(outside / "secret.txt")
    expected["secret.txt"] = "outside_folder"
    (folder / "loop1.txt").symlink_to(folder / "loop2.txt")
    (folder / "loop2.txt").symlink_to(folder / "loop1.txt")
    expected["loop1.txt"] = expected["loop2.txt"] = "symlink_loop"
    # slow and fatal on purpose (test hooks), and a binary file
    (folder / "slow.html").write_text("<!--newsflow-test:sleep=600-->" + GOOD_HTML.replace("river", "lake"))
    expected["slow.html"] = "timeout"
    (folder / "fatal.html").write_text("<!--newsflow-test:exit-->" + GOOD_HTML.replace("river", "sea"))
    expected["fatal.html"] = "cleaner_crashed"
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    expected["image.txt"] = "not_binary"
    # session 11: a .json nested 100,000 deep, UTF-16 text without a BOM, a WARC gzip payload cut short
    (folder / "deep.json").write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    expected["deep.json"] = "malformed_json"
    (folder / "utf16.txt").write_bytes((SEEDS_DIR / sorted(os.listdir(SEEDS_DIR))[4]).read_text().encode("utf-16-le"))
    expected["utf16.txt"] = None
    cut = gzip.compress(GOOD_HTML.replace("river", "canal").encode())
    (folder / "cut.warc").write_bytes(_warc_record(cut[:len(cut) // 2], [("Content-Type", "text/html"),
                                                                         ("Content-Encoding", "gzip")],
                                                   "http://cut.example/"))
    return expected


@pytest.fixture
def hostile_pages():
    from sources.conftest import running_hostile_server

    with running_hostile_server(feed_entries=12, page_bytes=64 * 1024) as server:
        yield server


def test_hostile_corpus_end_to_end(tmp_path, cli_env, hostile_pages):
    folder, outside = tmp_path / "inbox", tmp_path / "outside"
    outside.mkdir()
    expected = build_corpus(folder, outside)
    base = hostile_pages.base
    urls = {f"{base}/pis": None, f"{base}/gzip-gzip": "too_large", f"{base}/trickle": "fetch_timeout",
            f"{base}/big-feed.xml": None}
    db = tmp_path / "news.duckdb"
    env = dict(cli_env, NEWSFLOW_TEST_HOOKS="1", NEWSFLOW_EXTRACT_TIMEOUT_S="8", NEWSFLOW_FETCH_TIMEOUT_S="3",
               NEWSFLOW_WORKERS="2", NEWSFLOW_FETCH_MAX_BYTES=str(2 * MB))
    popen = subprocess.Popen([sys.executable, "-m", "flows", "run", str(folder), *urls, "--db", str(db),
                              "--allow-private", "--json"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    seen: dict[int, psutil.Process] = {}
    stop = threading.Event()

    def watch() -> None:  # every process the run starts, to check none outlives it
        root = psutil.Process(popen.pid)
        while not stop.is_set():
            try:
                for p in root.children(recursive=True):
                    seen.setdefault(p.pid, p)
            except psutil.Error:
                return
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        out, err = popen.communicate(timeout=600)
    finally:
        stop.set()
        if popen.poll() is None:
            popen.kill()
    assert popen.returncode == 0, err[-4000:]
    _gone, alive = psutil.wait_procs(list(seen.values()), timeout=15)
    assert alive == [], f"left behind: {alive}"
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / (1024 * 1024)
    print(f"hostile corpus: peak RSS of the run {peak_gb:.2f} GB, {len(seen)} child processes, all ended")
    assert peak_gb < 1.5, f"peak memory {peak_gb:.2f} GB"

    summary = json.loads(out)
    assert summary["status"] == "completed"
    assert summary["counts"]["source_skipped_special_files"] == 1  # the FIFO, never opened

    con = duckdb.connect(str(db), read_only=True)
    try:
        articles = {r[0] for r in con.execute("SELECT source FROM articles").fetchall()}
        quarantined = dict(con.execute("SELECT source, reason FROM quarantine").fetchall())
        unaccounted = con.execute("SELECT count(*) FROM raw_articles WHERE raw_id NOT IN (SELECT raw_id FROM articles) "
                                  "AND raw_id NOT IN (SELECT raw_id FROM quarantine)").fetchone()[0]
    finally:
        con.close()
    assert unaccounted == 0

    def outcome(source: str) -> str | None:
        if source in articles:
            return None
        return quarantined.get(source, "missing")

    for name, reason in expected.items():
        got = outcome(str(folder / name))
        if reason == "any":
            assert got != "missing", name
        else:
            assert got == reason, (name, got, quarantined.get(str(folder / name)))
    warc_record = str(folder / "bomb.warc") + "#<urn:uuid:5f0c7a4e-0000-4000-8000-000000000001>"
    assert outcome(warc_record) == "too_large"  # a record inflating past the limit
    assert outcome(warc_record.replace("bomb.warc", "cut.warc")) == "bad_content_encoding"  # not part of a page
    for url, reason in urls.items():
        if url.endswith("big-feed.xml"):
            entries = [s for s in articles if s.startswith(f"{base}/big/")]
            assert len(entries) == 12  # every entry page, streamed into batches
            continue
        assert outcome(url) == reason, (url, outcome(url))
    details = dict(con_detail(db))
    assert "NEWSFLOW_MAX_JSON_BYTES" in details[str(folder / "bomb.json.gz")]
    assert "NEWSFLOW_MAX_DOCUMENT_BYTES" in details[str(folder / "bomb.txt.gz")]
    assert "--allow-link-local" not in " ".join(details.values())


def con_detail(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT source, detail FROM quarantine").fetchall()
    finally:
        con.close()
