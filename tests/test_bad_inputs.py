"""Bad inputs through the real flow: each gets a quarantine row with a clear reason; the rest goes on."""
from __future__ import annotations

import gzip
import json

import duckdb
import pytest

from flows.pipeline import newsflow_flow
from tests_support import SEEDS_DIR

pytestmark = pytest.mark.slow

LATIN1_TEXT = (
    "Zürich - Die Stadtverwaltung hat am Montag neue Pläne für den öffentlichen Verkehr vorgestellt. "
    "Nach Angaben der Behörde sollen bis 2030 mehrere Straßenbahnlinien verlängert werden, damit die "
    "Außenquartiere besser erschlossen sind.\n\n"
    "Die Kosten werden auf rund 400 Millionen Franken geschätzt. Kritiker bemängeln, dass die Finanzierung "
    "noch nicht gesichert sei und dass die Bevölkerung zu wenig einbezogen wurde. Die Regierung will im "
    "Frühling über das Projekt abstimmen lassen.\n"
)
NAV_ONLY = "<html><body><nav>" + "".join(f'<li><a href="/s{i}">Section {i}</a></li>' for i in range(40)) + "</nav></body></html>"
LOGIN = """<html><head><title>Sign in</title></head><body><form action="/login" method="post">
<label>Email</label><input name="email"><label>Password</label><input type="password" name="pw">
<button>Sign in</button><a href="/forgot">Forgot your password?</a></form></body></html>"""


@pytest.fixture(scope="module")
def bad_run(prefect_api, tmp_path_factory):
    folder = tmp_path_factory.mktemp("inbox")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "truncated.txt.gz").write_bytes(gzip.compress(LATIN1_TEXT.encode("utf-8") * 20)[:60])
    (folder / "nav_only.html").write_text(NAV_ONLY)
    (folder / "login.html").write_text(LOGIN)
    (folder / "latin1.txt").write_bytes(LATIN1_TEXT.encode("latin-1"))
    (folder / "huge.txt").write_bytes(b"word " * (6 * 1024 * 1024))  # 30 MB
    good = (SEEDS_DIR / "000_23e261e2bfe35961.txt").read_text(encoding="utf-8")
    (folder / "lines.jsonl").write_text(
        json.dumps({"text": good, "url": "https://example.org/a"}) + "\n" + '{"text": "broken' + "\n"
    )
    (folder / "blank.jsonl").write_text("\n\n  \n")  # containers holding no document: a row each
    (folder / "none.json").write_text("[]")
    (folder / "empty.warc").write_bytes(b"")
    db = tmp_path_factory.mktemp("db") / "bad.duckdb"
    result = newsflow_flow(sources=[str(folder)], db_path=str(db))
    con = duckdb.connect(str(db), read_only=True)
    quarantine = {
        src.rsplit("/", 1)[-1]: (stage, reason, detail)
        for src, stage, reason, detail in con.execute("SELECT source, stage, reason, detail FROM quarantine").fetchall()
    }
    articles = {src.rsplit("/", 1)[-1]: (lang, text) for src, lang, text in
                con.execute("SELECT source, language, text FROM articles").fetchall()}
    raw = con.execute("SELECT count(*) FROM raw_articles").fetchone()[0]
    con.close()
    return result, quarantine, articles, raw


def test_the_run_completes_and_accounts_for_every_input(bad_run):
    result, quarantine, articles, raw = bad_run
    assert result["status"] == "completed"
    assert raw == 12 == len(quarantine) + len(articles)


@pytest.mark.parametrize("name, words", [
    ("binary.txt", ("binary",)),
    ("empty.txt", ("empty",)),
    ("truncated.txt.gz", ("truncated", "gzip")),
    ("nav_only.html", ()),
    ("login.html", ()),
    ("huge.txt", ("too large", "limit")),
    ("lines.jsonl#2", ("malformed", "line 2")),
    ("blank.jsonl", ("no_documents", "blank lines only")),
    ("none.json", ("no_documents", "empty json array")),
    ("empty.warc", ("no_documents", "warc")),
])
def test_bad_input_is_quarantined_with_a_clear_reason(bad_run, name, words):
    _, quarantine, _, _ = bad_run
    assert name in quarantine, sorted(quarantine)
    stage, reason, detail = quarantine[name]
    text = f"{reason} {detail}".lower()
    for w in words:
        assert w in text, (name, reason, detail)


def test_latin1_text_is_kept_and_decoded(bad_run):
    _, _, articles, _ = bad_run
    lang, text = articles["latin1.txt"]
    assert lang == "de"
    assert "Zürich" in text and "Straßenbahnlinien" in text and "\ufffd" not in text


def test_good_line_of_a_jsonl_file_is_kept(bad_run):
    _, _, articles, _ = bad_run
    assert "lines.jsonl#1" in articles
