"""Dates written in a dump: numeric or with a month name (en, de, fr, es),
alone on a line or glued before other text."""
from __future__ import annotations

import re
from datetime import date

from ..metadata import make_date

# ---------------------------------------------------------------------------
# Dates

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "mai": 5, "juni": 6, "juli": 7,
    "oktober": 10, "okt": 10, "dezember": 12, "dez": 12,
    "janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "mars": 3, "avril": 4, "avr": 4, "juin": 6,
    "juillet": 7, "juil": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12,
    "decembre": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}
_MONTH_RE = "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))
_DATE = re.compile(
    rf"(?i)(?<!\d)(?:(?P<iy>\d{{4}})[-/.](?P<im>\d{{1,2}})[-/.](?P<id>\d{{1,2}})(?!\d)"
    rf"|(?P<na>\d{{1,2}})[./-](?P<nb>\d{{1,2}})[./-](?P<ny>\d{{4}})(?!\d)"
    rf"|(?P<dd>\d{{1,2}})(?:st|nd|rd|th|er|º|°)?\.?\s*(?:de\s+)?(?P<dm>{_MONTH_RE})\b\.?,?\s*(?:de\s+)?"
    rf"(?P<dy>\d{{4}})(?!\d)"
    rf"|\b(?P<mm>{_MONTH_RE})\b\.?[\s,]*(?P<md>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)[\s,]+(?P<my>\d{{4}})(?!\d))"
)
_TIME = re.compile(
    r"(?i)\s*(?:,|\||-|–|at|um|à|a las)?\s*\d{1,2}[:h.]\d{2}(?::\d{2})?(?:\s*(?:am|pm|a\.m\.|p\.m\.|uhr|h))?"
    r"(?:\s*(?-i:[A-Z]{2,4}|[+-]\d{2}:?\d{2}|Z)\b)?")
_DATE_PREFIX_LABEL = re.compile(
    r"(?i)^(?:date|published(?: on)?|posted(?: on)?|updated|datum|veröffentlicht(?: am)?|publié(?: le)?|"
    r"mis à jour(?: le)?|fecha|publicado(?: el)?)?\s*[:|]?\s*"
)
_HEADER_ZONE = 8  # a date glued before other text is only taken from the first lines
_DATE_LINE_ZONE = 16  # a line holding only a date gives ``published`` only this near the top


def _match_date(m: re.Match) -> date | None:
    g = m.groupdict()
    if g["iy"]:
        return make_date(int(g["iy"]), int(g["im"]), int(g["id"]))
    if g["ny"]:
        a, b, y = int(g["na"]), int(g["nb"]), int(g["ny"])
        sep = m.group(0)[len(g["na"])]
        if sep == "/" and a <= 12 and b > 12:  # US month/day only when unambiguous
            return make_date(y, a, b)
        return make_date(y, b, a)
    if g["dy"]:
        return make_date(int(g["dy"]), _MONTHS[g["dm"].lower()], int(g["dd"]))
    return make_date(int(g["my"]), _MONTHS[g["mm"].lower()], int(g["md"]))


def find_date(s: str) -> date | None:
    """The first calendar date written in ``s`` (ISO, day.month.year, or with a
    month name in English, German, French or Spanish), or None."""
    for m in _DATE.finditer(s):
        found = _match_date(m)
        if found:
            return found
    return None


def _date_prefix(line: str) -> tuple[date, str] | None:
    """A date (with an optional label and time) at the very start of a line:
    returns it and the rest of the line."""
    label = _DATE_PREFIX_LABEL.match(line)
    pos = label.end() if label else 0
    m = _DATE.match(line, pos)
    if not m:
        return None
    found = _match_date(m)
    if not found:
        return None
    end = m.end()
    t = _TIME.match(line, end)
    if t:
        end = t.end()
    return found, line[end:].lstrip(" |,;:-–—")
