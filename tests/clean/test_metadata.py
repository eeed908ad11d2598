"""Language detection, date parsing and author names."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from flows.clean.metadata import detect_language, normalise_author, page_metadata, parse_date

SAMPLES = {
    "en": "The council voted on Tuesday to expand the ferry service, adding two new routes across the bay.",
    "de": "Der Stadtrat hat am Dienstag beschlossen, den Fährverkehr auszubauen und zwei neue Linien einzurichten.",
    "fr": "Le conseil municipal a voté mardi l'extension du service de ferry, avec deux nouvelles lignes dans la baie.",
    "es": "El ayuntamiento votó el martes a favor de ampliar el servicio de ferry con dos nuevas rutas en la bahía.",
    "it": "Il consiglio comunale ha votato martedì per ampliare il servizio di traghetti con due nuove linee.",
    "nl": "De gemeenteraad heeft dinsdag besloten de veerdienst uit te breiden met twee nieuwe routes over de baai.",
    "ru": "Городской совет во вторник проголосовал за расширение паромного сообщения и две новые линии.",
}


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_detect_language(lang):
    assert detect_language(SAMPLES[lang]) == lang


@pytest.mark.parametrize("text", ["", "   ", "OK", "12 345 678", "---"])
def test_too_little_text_has_no_language(text):
    assert detect_language(text) is None


def test_all_capitals_text_is_still_recognised():
    assert detect_language(SAMPLES["en"].upper()) == "en"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2019-11-19", date(2019, 11, 19)),
        ("2019-11-19T23:30:00-05:00", date(2019, 11, 19)),  # the date as written, no time-zone shift
        ("2019-11-19 08:00", date(2019, 11, 19)),
        ("20191119", date(2019, 11, 19)),
        ("Tue, 19 Nov 2019 10:00:00 GMT", date(2019, 11, 19)),
        ("Nov. 19, 2019", date(2019, 11, 19)),
        ("19 November 2019", date(2019, 11, 19)),
        ("Updated: Tue., Nov. 19, 2019, 5:03 p.m.", date(2019, 11, 19)),
        (datetime(2019, 11, 19, 8, 0), date(2019, 11, 19)),
        (date(2019, 11, 19), date(2019, 11, 19)),
    ],
)
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["", "yesterday", "November 19", "2019", "2019-13-45", "0001-01-01", "not a date", None])
def test_parse_date_refuses_to_guess(raw):
    assert parse_date(raw) is None


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("AAMER MADHANI", "Aamer Madhani"),
        ("By AAMER MADHANI", "Aamer Madhani"),
        ("by   Aamer  Madhani ", "Aamer Madhani"),
        ("aamer madhani and jill colvin", "Aamer Madhani and Jill Colvin"),
        ("TOM KRISHER, AP Auto Writer", "Tom Krisher, AP Auto Writer"),
        ("MEG KINNARD and ERRIN HAINES, Associated Press", "Meg Kinnard and Errin Haines, Associated Press"),
        ("SEAN O'NEIL", "Sean O'Neil"),
        ("MARY VAN DER BERG", "Mary van der Berg"),
        ("JEAN-LUC PICARD", "Jean-Luc Picard"),
        ("Ludwig van Beethoven", "Ludwig van Beethoven"),  # mixed case is kept as written
        ("danah boyd Jr.", "danah boyd Jr."),
    ],
)
def test_normalise_author(raw, expected):
    assert normalise_author(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "By", "https://example.com/staff/jane", "jane@example.com", "x" * 200, "---"])
def test_normalise_author_rejects_non_names(raw):
    assert normalise_author(raw) is None


def test_page_metadata_reads_meta_tags():
    from lxml import html

    tree = html.fromstring(
        """<html><head><title>Ferry &amp; bridge plans - Harbour Gazette</title>
        <meta property="og:site_name" content="Harbour Gazette">
        <meta property="article:author" content="https://gazette.example/staff/ana">
        <meta name="author" content="Ana Lima">
        <meta name="date" content="2019-11-19">
        <link rel="canonical" href="https://gazette.example/ferry"></head><body><p>x</p></body></html>"""
    )
    meta = page_metadata(tree)
    assert meta["title"] == "Ferry & bridge plans"  # site name after the separator is cut
    assert meta["author"] == "Ana Lima"  # a profile URL is not a name
    assert meta["date"] == "2019-11-19"
    assert meta["site_name"] == "Harbour Gazette"
    assert meta["url"] == "https://gazette.example/ferry"


def test_page_metadata_resolves_a_relative_canonical_url_and_skips_profile_urls():
    from lxml import html

    tree = html.fromstring(
        """<html><head><meta property="article:author" content="https://gazette.example/staff/ana">
        <link rel="canonical" href="/news/ferry"></head><body><h1>Ferry plans</h1><p>x</p></body></html>"""
    )
    meta = page_metadata(tree, "https://gazette.example/news/ferry?utm_source=feed")
    assert meta["url"] == "https://gazette.example/news/ferry"
    assert meta["author"] is None
    assert meta["title"] == "Ferry plans"
