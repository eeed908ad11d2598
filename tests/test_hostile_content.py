"""Hostile content inside readable documents (session 12): what a JSON field, a page or a dump holds
that passes ingest and then hurt cleaning, the checks, dedup or stories. Each test asserts on
bounded work (counts, sizes), never on the machine's speed."""
from __future__ import annotations

import json

import duckdb
import pytest

from flows.clean import clean_document
from flows.quality.frames import clean_frame
from flows.records import Article, RawDocument, valid_unicode
from flows.settings import Settings
from flows.sources.jsonl import document_from_object

PROSE = "The minister said on Tuesday that the talks on the border would continue next week in Geneva. " * 8
SETTINGS = Settings()


# --------------------------------------------------------------------------- lone surrogates, odd JSON fields

def test_valid_unicode_writes_lone_surrogates_as_replacement_characters():
    assert valid_unicode("plain") == "plain"
    assert valid_unicode("café 😀") == "café 😀"
    assert valid_unicode("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    valid_unicode("x\ud800").encode("utf-8")  # UTF-8 (DuckDB, Arrow) can hold it now


def test_json_fields_with_lone_surrogates_become_valid_text():
    obj = {"text": PROSE + " caf\u00e9 \ud800", "title": "Talks \ud800", "author": "Ann \udfff Bee",
           "url": "https://news.example/\ud800", "published": "2024-05-01\ud800"}
    doc = document_from_object(obj, "/in/a.jsonl#1", b"{}")
    assert doc.error is None
    assert doc.hints["title"] == "Talks \ufffd" and doc.hints["author"] == "Ann \ufffd Bee"
    assert doc.url == "https://news.example/\ufffd"
    # the text is valid UTF-8, so it is read as such (it went to charset detection: "cafÃ©" and worse)
    assert doc.content.decode("utf-8").endswith("café \ufffd")
    article = clean_document(doc, SETTINGS)
    assert isinstance(article, Article) and "café" in article.text
    for value in (article.title, article.author, article.url, article.text):
        value.encode("utf-8")
    clean_frame([article])  # the clean checks' frame: a surrogate here failed the whole run


def test_fields_given_with_surrogates_by_any_source_are_stored_valid():
    doc = RawDocument("/in/x", "text", PROSE.encode(), url="https://a.example/\ud800",
                      hints={"title": "t\ud800", "author": "Ann \udfff Bee"})
    article = clean_document(doc, SETTINGS)
    assert (article.title, article.author, article.url) == ("t\ufffd", "Ann \ufffd Bee", "https://a.example/\ufffd")


@pytest.mark.parametrize("value", [5, 1.5, True, 10**10])
def test_a_title_or_author_that_is_no_string_does_not_lose_the_article(value):
    html = f"<html><body><article><p>{PROSE}</p></article></body></html>"
    doc = document_from_object({"html": html, "title": value, "author": value}, "/in/a.jsonl#1", b"{}")
    article = clean_document(doc, SETTINGS)
    assert isinstance(article, Article), article  # was cleaner_error: AttributeError: 'int' object has no 'split'
    assert article.title is None and article.author is None


# --------------------------------------------------------------------------- JSON-LD nested deep

def _page(head: str) -> str:
    return (f"<html><head><title>Talks to continue</title>{head}</head><body><article><h1>Talks to continue</h1>"
            + f"<p>{PROSE}</p>" * 3 + "</article></body></html>")


@pytest.mark.parametrize("ld", [
    "[" * 100_000 + "]" * 100_000,  # json.loads raised RecursionError: the whole extraction failed
    '{"@type": "NewsArticle", "author": ' + "[" * 400 + '"Ann Bee"' + "]" * 400 + "}",  # _ld_name recursed
])
def test_deep_json_ld_does_not_lose_the_article(ld):
    from flows.clean.html import extract_html

    found = extract_html(_page(f'<script type="application/ld+json">{ld}</script>'))
    assert "The minister said" in found.text, found.notes
    assert found.title == "Talks to continue"


def test_json_ld_author_lists_are_read_in_order():
    from flows.clean.metadata import _ld_name

    assert _ld_name([{"name": "Ann Bee"}, ["Cy Dee", [{"name": "Ed Fay"}]], "", {"name": 5}]) == "Ann Bee, Cy Dee, Ed Fay"
    assert _ld_name({"name": "Ann"}) == "Ann" and _ld_name("") is None and _ld_name(5) is None


# --------------------------------------------------------------------------- text dumps: quadratic passes

class _CountingStr(str):
    """A line's text that counts how often another line is looked for in it."""
    tests = 0

    def __contains__(self, other):
        _CountingStr.tests += 1
        return super().__contains__(other)


def test_title_search_compares_a_bounded_number_of_lines():
    """20,000 headline-like lines before the first sentence: each was looked for in every other
    (400 million substring tests, 64 s for 0.5 MB); now only the first MAX_TITLE_CANDIDATES are."""
    from flows.clean.text.passes import MAX_TITLE_CANDIDATES, _pick_title
    from flows.clean.text.lines import _Line

    n = 5_000
    lines = [_Line(_CountingStr(f"Headline number {i} Here"), "body", 4) for i in range(n)]
    lines.append(_Line(_CountingStr(PROSE.strip()), "body", len(PROSE.split())))
    _CountingStr.tests = 0
    assert _pick_title(lines, None) == "Headline number 0 Here"
    assert _CountingStr.tests <= MAX_TITLE_CANDIDATES * (n + 1)


def test_title_the_header_repeats_is_still_found():
    from flows.clean.text import clean_text_dump

    dump = ("Home > World\nSite News\nTalks to continue in Geneva next week\n"
            "World | Talks to continue in Geneva next week | Site News\n" + PROSE)
    assert clean_text_dump(dump).title == "Talks to continue in Geneva next week"


def test_a_run_of_datelines_joins_the_paragraph_after_it():
    """Each dateline was added to the text so far (a run of 80,000 took 13 s for 1.2 MB: quadratic)."""
    from flows.clean.text import clean_text_dump

    found = clean_text_dump("WASHINGTON —\n" * 3 + PROSE + "\n\n" + "LONDON —\n" * 2000 + "Second paragraph here.")
    paragraphs = found.text.split("\n\n")
    assert paragraphs[0].startswith("WASHINGTON — WASHINGTON — WASHINGTON — The minister said")
    assert paragraphs[1] == "LONDON — " * 2000 + "Second paragraph here."


# --------------------------------------------------------------------------- HTML: link texts sharing a first word

def _naive_longest_link_share(text, anchors):
    from flows.clean.html import _TOKEN

    best = 0
    for word in set(_TOKEN.findall(text)):
        for anchor in anchors.get(word, ()):
            if len(anchor) > best and anchor in text:
                best = len(anchor)
    return min(1.0, best / len(text))


def _anchors(texts):
    from lxml import html as lxml_html

    from flows.clean.html import _anchor_texts

    page = "<html><body>" + "".join(f"<a href='/{i}'>{t}</a>" for i, t in enumerate(texts)) + "</body></html>"
    return _anchor_texts(lxml_html.fromstring(page))


def test_link_share_with_many_links_per_first_word_is_the_same_answer():
    import random

    from flows.clean.html import FEW_ANCHORS, _longest_link_share

    rng = random.Random(5)
    words = ["News", "news", "Live", "The", "a1", "Über"]
    leads = ["", "» ", "#", "(", "- "]
    texts = [rng.choice(leads) + " ".join(rng.choice(words) for _ in range(rng.randint(1, 5)))
             for _ in range(400)]
    anchors = _anchors(texts)
    assert max(len(g) for g in anchors.values()) > FEW_ANCHORS  # the looked-up-by-position path is taken
    for _ in range(600):
        text = " ".join(rng.choice(words + ["x", "»", "#News", "(Live"]) for _ in range(rng.randint(1, 12)))
        assert _longest_link_share(text, anchors) == _naive_longest_link_share(text, anchors), text


def test_link_share_does_not_test_every_link_against_every_line():
    """5,000 links "News item N" and 5,000 lines naming "News": every line was tested against every
    link (25 million substring tests, 30 s and a timeout for a page of 10,000)."""
    from flows.clean.html import FEW_ANCHORS, _link_share

    anchors = _anchors([f"News item {i}" for i in range(5_000)])
    _CountingStr.tests = 0
    shares = [_link_share(_CountingStr(f"News item {i} News"), anchors) for i in range(0, 5_000, 5)]
    assert shares[3] == len("News item 15") / len("News item 15 News")
    assert _CountingStr.tests <= FEW_ANCHORS * len(shares)


# --------------------------------------------------------------------------- control characters, huge fields

def test_control_characters_leave_texts_titles_and_authors():
    from flows.records import without_controls

    assert without_controls("a\x1b[2Jb\x07c\x00d\x9be\tf\ng\x85h\x1ci") == "a[2Jbcde\tf\ng\x85h\x1ci"
    doc = document_from_object({"text": PROSE + " Then \x1b[2J\x07 it ended.\x1cA last line here.",
                                "title": "Talks \x1b]0;pwned\x07 resume", "author": "Ann \x1b[1mBee"}, "/in/a.jsonl#1", b"{}")
    article = clean_document(doc, SETTINGS)
    assert article.title == "Talks ]0;pwned resume" and article.author == "Ann [1mBee"
    assert "\x1b" not in article.text and "\x07" not in article.text
    assert article.text.endswith("Then [2J it ended.\n\nA last line here.")  # line breaks stay line breaks


def test_a_megabyte_title_or_author_is_none():
    doc = document_from_object({"text": PROSE, "title": "Big " * 250_000, "author": ["Author"] * 100_000},
                               "/in/a.jsonl#1", b"{}")
    article = clean_document(doc, SETTINGS)
    assert isinstance(article, Article) and article.title is None and article.author is None
    blank = clean_document(document_from_object({"html": _page(""), "author": " \x07 "}, "/a#2", b"{}"),
                           SETTINGS)
    assert blank.author is None


def test_a_json_list_of_authors_is_names_not_a_python_list():
    for kind, body, author in (("text", PROSE, "Ann Lee; Bob Roe"), ("html", _page(""), "ANN LEE; Bob Roe")):
        doc = document_from_object({kind: body, "author": ["ANN LEE", "Bob Roe"], "title": ["a", "b"]}, "/a#1", b"{}")
        assert doc.hints == {"author": ["ANN LEE", "Bob Roe"]}  # a list is no title
        article = clean_document(doc, SETTINGS)
        assert article.author == author, kind  # was "['Ann Lee', 'Bob Roe']"
        assert article.title in (None, "Talks to continue")


def test_a_nul_escape_in_a_json_text_does_not_make_it_binary():
    """``"\\u0000"`` in a JSON string is an escape the writer put in a text, not a binary file's
    bytes: the article was quarantined as ``raw: not_binary`` and lost."""
    from flows.quality.detectors import binary_reason

    doc = document_from_object({"text": PROSE + "\u0000 end.\u0000", "title": "Talks"}, "/in/a.jsonl#1", b"{}")
    assert doc.error is None and binary_reason(doc.content) is None
    article = clean_document(doc, SETTINGS)
    assert isinstance(article, Article) and "\x00" not in article.text and article.text.endswith("end.")


def test_a_control_character_between_words_leaves_one_space():
    doc = document_from_object({"text": PROSE, "title": "Mayor \x07 speaks", "author": "Ann\x1b Lee"}, "/in/a#1", b"{}")
    article = clean_document(doc, SETTINGS)
    assert (article.title, article.author) == ("Mayor speaks", "Ann Lee")
