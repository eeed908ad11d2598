"""The fitted choices of the clean stage (flows/clean/tuned.py) and the parts
of the extractor they switch: the full-extraction fallback, lead headings,
English-only word lists, markup shown as text."""
from __future__ import annotations

import json

import pytest

from flows.clean import html as H
from flows.clean import blocks, tuned
from flows.clean.html import extract_candidates, extract_html

from .test_html import NAV, PARAGRAPHS, article_page


def _candidates(share: float, fast: str, full: str | None = None) -> dict:
    """Candidates of one page whose choices other than the fallback do not matter."""
    texts, shares = {}, {}
    for wrap in (True, False):
        for merge in (True, False):
            for drop in tuned.GRID["drop_lead_heading"]:
                texts[tuned.candidate_key(wrap, merge, False, drop)] = fast
                shares[tuned.candidate_key(wrap, merge, False, drop)] = share
                if full is not None:
                    texts[tuned.candidate_key(wrap, merge, True, drop)] = full
    return {"texts": texts, "share": shares}


def _exact(texts: list[str], truths: list[str]) -> float:
    return sum(t == g for t, g in zip(texts, truths)) / len(truths)


def test_fit_takes_the_fallback_where_it_helps_and_the_middle_of_the_tie():
    pages = [_candidates(0.05, "teaser", "article"), _candidates(0.9, "article")]
    chosen = tuned.fit(pages, ["article", "article"], _exact)
    # every threshold above 0.05 scores the same: the middle of the tied range is taken
    tied = [v for v in tuned.GRID["fallback_below"] if v > 0.05]
    assert chosen["fallback_below"] == tied[(len(tied) - 1) // 2]
    assert [tuned.choose(c, chosen) for c in pages] == ["article", "article"]
    # the first value of the other choices wins a tie
    assert chosen["drop_lead_heading"] == "short" and chosen["wrap_loose_text"] is True


def test_fit_does_not_fall_back_where_it_hurts():
    pages = [_candidates(0.15, "article", "menus and article")]
    chosen = tuned.fit(pages, ["article"], _exact)
    assert chosen["fallback_below"] <= 0.15
    assert tuned.choose(pages[0], chosen) == "article"


def test_shipped_params_are_complete_and_on_the_grid():
    shipped = json.loads(tuned.PARAMS_FILE.read_text())
    assert set(shipped) == set(tuned.DEFAULTS)
    for name, value in tuned.params().items():
        assert value in tuned.GRID[name], name


def test_the_stage_gives_the_candidate_its_params_choose():
    """... and then keeps the lines the shipped line model keeps (blocks.py)."""
    for page in (article_page(), _teaser_page()):
        candidates = extract_candidates(page)
        text = tuned.choose(candidates, tuned.params())
        kept = blocks.apply(text.split("\n\n"), candidates["vectors"][text], blocks.model())
        assert kept == extract_html(page).text


def _teaser_page() -> str:
    """A page whose fast extraction keeps a summary box, not the story."""
    story = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<html><head><title>Ferry</title></head><body>{NAV}
    <article><div class="summary"><p>{PARAGRAPHS[0]}</p></div>
    <div id="story-text">{story}</div></article></body></html>"""



def _fast_takes_first_paragraph_only(monkeypatch) -> list:
    """Make trafilatura's fast mode keep only the first paragraph; returns the modes asked, in order."""
    asked = []
    original = H._trafilatura_body

    def short_fast(tree, url, mode, prune):
        asked.append(mode)
        body = original(tree, url, mode, prune)
        if mode.get("fast") and body is not None:
            for el in list(body)[1:]:
                body.remove(el)
        return body

    monkeypatch.setattr(H, "_trafilatura_body", short_fast)
    return asked

def test_fast_extraction_that_misses_the_article_falls_back(monkeypatch):
    """When the fast extractor's text is a small share of the main container's
    paragraphs, trafilatura's full mode is asked, and kept if it finds more."""
    asked = _fast_takes_first_paragraph_only(monkeypatch)
    monkeypatch.setattr(tuned, "params", lambda: {**tuned.DEFAULTS, "fallback_below": 0.4})
    found = extract_html(article_page())
    assert H.EXTRACT_MODES["fallback"] in asked
    assert all(p in found.text for p in PARAGRAPHS)
    assert any("full extraction used" in note for note in found.notes)


def test_lead_heading_choice():
    page = f"""<html><head><title>Council expands harbour ferry service</title></head><body><article>
    <h1>Council expands harbour ferry service</h1>
    <h2>Two new routes will link the northern suburbs with the old town from next spring, the council says</h2>
    <h3>Transport</h3>
    {"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}</article></body></html>"""
    texts = extract_candidates(page)["texts"]
    short, keep = (texts[tuned.candidate_key(True, True, False, d)] for d in ("short", False))
    standfirst = "Two new routes will link the northern suburbs"
    assert standfirst in short and "Transport" not in short
    assert standfirst in keep


def test_english_word_lists_only_decide_for_english_text():
    line = "Click here to read the full report on the harbour"
    assert H._line_reason(line, H._words(line), english=True) == "boilerplate line"
    assert H._line_reason(line, H._words(line), english=False) is None
    # language-neutral furniture goes in every language
    assert H._line_reason("© 2024 Hamburger Hafenzeitung", H._words("© 2024 Hamburger Hafenzeitung"), english=False)
    url = "https://example.org/a/b"
    assert H._line_reason(url, H._words(url), english=False) == "bare URL"


def test_markup_shown_as_text_is_dropped():
    line = '<a href="https://twitter.example/hashtag/ferry">#ferry</a> timetable out now'
    assert H._line_reason(line, H._words(line), english=False) == "markup as text"
    assert H._line_reason("Use a < b and c > d in the formula", H._words("Use a < b and c > d"), False) is None


@pytest.mark.parametrize("drop", ["short", False])
def test_candidate_keys_cover_every_choice(drop):
    candidates = extract_candidates(article_page())
    for wrap in (True, False):
        for merge in (True, False):
            assert tuned.candidate_key(wrap, merge, False, drop) in candidates["texts"]
            assert tuned.candidate_key(wrap, merge, False, drop) in candidates["share"]


def _div_page() -> str:
    """A story written as <div><span> (no <p>) beside a short <p> teaser."""
    story = "".join(f'<div class="x"><span>{p}</span></div>' for p in PARAGRAPHS)
    return f"""<html><head><title>Ferry</title></head><body>{NAV}
    <div class="teaser"><p>Ferry news in brief.</p></div><div class="story">{story}</div></body></html>"""


def test_div_paragraphs_are_measured():
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(_div_page())
    assert H._div_paragraph_chars(tree) == sum(len(p) for p in PARAGRAPHS)
    # a <div> holding blocks, or too little text for a sentence, is no paragraph
    tree = lxml_html.fromstring("<html><body><div><p>" + PARAGRAPHS[0] + "</p></div><div><span>Menu</span></div></body></html>")
    assert H._div_paragraph_chars(tree) == 0


def test_written_without_paragraphs():
    assert tuned.written_without_paragraphs(200, 3000, 1200, 1000, 2.0)
    assert not tuned.written_without_paragraphs(200, 3000, 1200, 0, 2.0)  # switched off
    assert not tuned.written_without_paragraphs(1500, 3000, 1200, 1000, 2.0)  # the main container is large
    assert not tuned.written_without_paragraphs(200, 2000, 1200, 1000, 2.0)  # not twice what was kept
    assert tuned.written_without_paragraphs(200, 2000, 1200, 1000, 1.5)
    assert not tuned.written_without_paragraphs(200, 1000, 1200, 1000, 1.0)  # the fast extractor kept more
    assert not tuned.written_without_paragraphs(None, None, 1200, 1000, 1.0)  # not measured


def test_page_written_without_paragraphs_falls_back(monkeypatch):
    """A small main container and more text in <div> paragraphs than the fast
    extractor kept: the full mode is asked (``fallback_main_below``), and the
    choice is explored for the bench's fit."""
    asked = _fast_takes_first_paragraph_only(monkeypatch)
    monkeypatch.setattr(tuned, "params", lambda: {**tuned.DEFAULTS, "fallback_below": 0.0, "fallback_main_below": 1000})
    found = extract_html(_div_page())
    assert H.EXTRACT_MODES["fallback"] in asked
    assert any("missed text in <div> paragraphs" in note for note in found.notes)
    candidates = extract_candidates(_div_page())
    key = tuned.candidate_key(True, True, False, False)
    assert candidates["div"][key] > len(candidates["texts"][key]) and candidates["main"][key] < 1000
    assert tuned.candidate_key(True, True, True, False) in candidates["texts"]
    asked.clear()
    monkeypatch.setattr(tuned, "params", lambda: {**tuned.DEFAULTS, "fallback_below": 0.0, "fallback_main_below": 0})
    extract_html(_div_page())
    assert H.EXTRACT_MODES["fallback"] not in asked
