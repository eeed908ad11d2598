"""The per-document detectors that feed the check columns (no GX needed)."""
from __future__ import annotations

from flows.quality import detectors as d


def test_binary_sniff():
    assert d.binary_reason(b"plain text\n") is None
    assert d.binary_reason("é".encode("utf-16")) is None  # BOM: text
    assert "PNG" in d.binary_reason(b"\x89PNG\r\n\x1a\n" + bytes(20))
    assert "NUL" in d.binary_reason(b"abc\x00def")
    assert "control" in d.binary_reason(bytes(range(1, 9)) * 10)


def test_decoding():
    assert d.decode_problem("Grüße aus Köln, schöne Straße.".encode()) is None
    assert d.decode_problem("Le café était très chaud à Montréal.".encode("latin-1")) is None
    assert d.decode_problem("Le café".encode("latin-1"), "text/html; charset=iso-8859-1") is None


def test_html_leftovers():
    assert d.html_leftover("A plain sentence, 3 < 4 and 5 > 2.") is None
    assert "<div" in d.html_leftover('Text <div class="x">more</div>')
    assert "&amp;" in d.html_leftover("Fish &amp; chips")
    assert "&#8217;" in d.html_leftover("It&#8217;s")
    assert d.html_leftover("The drama <The Palace: Tale of Jang Noksu> aired in 2024.") is None
    assert "<br/>" in d.html_leftover("line<br/>break")


def test_spam_tokens():
    assert "verdicoin:Russia" in d.spam_token("verdicoin:Russia's foreign minister")
    assert "week,verdicoin" in d.spam_token("this week,verdicoin the ministry said")
    for ok in ("At 10:30, 1,000 people", "see https://example.org/a", "Note: the", "Paris, France", "U.S.:Allies"):
        assert d.spam_token(ok) is None, ok


def test_link_lists():
    menu = "Home\nNews\nSport\nWeather\nContact us"
    assert d.link_list(menu) == "5 link-like lines: Home | News | Sport | Weather | Contact us"
    assert d.link_lists(menu)[1] == 1.0
    assert d.link_lists("One short sentence.\n\nA\nB\nC")[1] == 0.0  # 3 lines: no run
    assert d.link_lists("Two words.\n\nA\nB\nC\nD")[1] == 4 / 6
    table = "| Pos | Driver |\n| 1 | Kyle Busch |\n| 2 | Martin Truex |\n| 3 | Kevin Harvick |"
    assert d.link_list(table) is None
    related = "Related\n- Senate race is quiet\n- Governor seeks funding\n- Coach joins staff\n- Storm hits coast"
    assert d.link_list(related)
    article = "He said the talks went well.\n\nShe disagreed.\n\nThe meeting ended at noon.\n\nNo date was set."
    assert d.link_list(article) is None
    # three short lines in a row are allowed (a sub-heading or two)
    assert d.link_list("Background\n\nWhat happened\n\nWhy it matters\n\nThe minister said so.") is None


def test_widget_lines():
    assert d.widget_line("Body text.\nShare\nMore text.") == "widget line 'Share'"
    assert d.widget_line("Body.\nveryGood! (3572)") == "widget line 'veryGood! (3572)'"
    assert d.widget_line("The share price rose.") is None


def test_url_problem():
    assert d.url_problem(None) is None
    assert d.url_problem("https://example.org/a?b=1") is None
    assert "http(s)" in d.url_problem("javascript:alert(1)")
    assert "host" in d.url_problem("https:///nohost")
