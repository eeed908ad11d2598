"""Clean a plain-text dump of a scraped news page.

A scraper that saves a page as text keeps what surrounds the article: a
breadcrumb and site name, widget labels, meta lines, photo captions and
credits, bylines, link lists under "Related"-style headings and, on spam
sites, a token glued into the words. ``clean_text_dump`` looks at each line
and drops these with generic rules: the shape of a line (short, unpunctuated,
a label and a colon, a parenthesised credit, a dateline) and small word lists
in English, German, French and Spanish; never strings of particular sites.

Every kept line of the body becomes one paragraph. A dateline standing on its
own line ("WASHINGTON —") is joined to the paragraph after it, so a body
starts at its dateline when the page shows one. The title is a short
headline-like line before the body (or a line repeated from the header); a
date found in header or meta lines becomes ``published``; a byline becomes
``author`` ("By AAMER MADHANI" gives "Aamer Madhani"; several authors are
joined with "; "). The title's typographic quotes are made plain (’ to ') so
titles compare equal across sites; the body keeps its characters. ``notes``
says what was dropped ("widget: View", "spam token: …"), for debugging.

Speed matters (the benchmark cleans 20,000 dumps): each line goes through
cheap string tests before any regular expression, and the spam-token scan
only looks closer where punctuation touches a letter.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from ..records import Extracted
from .metadata import normalise_author, parse_date

__all__ = ["clean_text_dump", "find_date"]

# ---------------------------------------------------------------------------
# Word lists (lower case). Generic page furniture, not strings of a site.

_LIST_HEADINGS = frozenset("""
related|related articles|related stories|related news|related content|related posts|related topics|related links
ranking|rankings|recommendation|recommendations|recommended|recommended for you|recommend|recommended stories
more|more news|more stories|more articles|more like this|more on this|more on this story|more to read|more to explore
read more|read also|also read|read next|see also|what to read next|up next|next up|don't miss|do not miss
trending|trending now|trending news|trending stories|most read|most popular|most viewed|popular|popular now
popular stories|top stories|latest|latest news|latest stories|you may also like|you might also like
you may be interested in|in other news|editor's picks|editors' picks|top picks|further reading|hot news|hot topics
mehr zum thema|mehr zu diesem thema|das könnte sie auch interessieren|lesen sie auch|auch interessant|weitere artikel
meistgelesen|meistgelesene artikel|verwandte artikel|verwandte themen|empfehlungen|top-artikel|mehr aus dem ressort
à lire aussi|a lire aussi|lire aussi|sur le même sujet|sur le meme sujet|les plus lus|articles similaires|à voir aussi
voir aussi|nos recommandations|dans la même rubrique|à découvrir|a découvrir|les plus populaires|articles liés
te puede interesar|también te puede interesar|lo más leído|lo mas leido|noticias relacionadas|más noticias|mas noticias
te recomendamos|lee también|lee tambien|relacionados|artículos relacionados|más leídas|lo último|te puede gustar
tags|topics|comments|leave a comment|join the conversation|schlagworte|themen|kommentare|étiquettes|commentaires
etiquetas|temas|comentarios
""".strip().replace("\n", "|").split("|"))

_WIDGET_WORDS = frozenset("""
share shares shared sharing tweet retweet email e-mail mail print facebook twitter whatsapp linkedin reddit pinterest
telegram instagram youtube tiktok copy link links url comment comments view views viewed like likes liked dislike
advertisement advertisements advertising ad ads sponsored sponsor promoted anzeige werbung publicité publicite
publicidad pub teilen drucken kommentare kommentar partager imprimer commentaires commenter compartir imprimir
comentarios comentar subscribe subscription unsubscribe abonnieren newsletter sign login logout register follow
listen read reading min mins minute minutes skip content back top menu search close next previous prev loading
video videos photo photos gallery save saved bookmark reply report vote votes upvote downvote font size text
zoom fullscreen expand collapse more less show hide toggle home icon button click here play pause audio
accept reject decline manage preferences settings cookie cookies akzeptieren ablehnen einstellungen accepter refuser
paramètres aceptar rechazar configurar configuración image images page leave error scroll continue continues
below main
""".split())

_WIDGET_FILLER = frozenset(
    "this the article story to on in up us a an of and or for our now here via with x f all alle tout todas".split())

_META_LABELS = (
    "source|sources|category|categories|date|published|published on|published at|posted|posted on|updated|"
    "last updated|modified|edited by|editor|author|authors|written by|writer|reporter|tags|tag|topics|topic|"
    "keywords|filed under|section|more|via|credit|credits|photo credit|image credit|reading time|lesezeit|"
    "temps de lecture|tiempo de lectura|"
    "quelle|kategorie|rubrik|datum|veröffentlicht|veröffentlicht am|aktualisiert|aktualisiert am|autor|autorin|"
    "schlagworte|stichworte|themen|redaktion|"
    "catégorie|categorie|rubrique|publié|publié le|publie le|mis à jour|mis à jour le|auteur|mots-clés|mots clés|"
    "étiquettes|etiquettes|thèmes|"
    "fuente|categoría|sección|seccion|fecha|publicado|publicado el|actualizado|etiquetas|temas|redacción"
)
_META_LINE = re.compile(rf"(?i)^\s*(?P<label>{_META_LABELS})\s*[:|]\s*(?P<value>.*)$")
_DATE_LABELS = frozenset({
    "date", "published", "published on", "published at", "posted", "posted on", "updated", "last updated", "modified",
    "datum", "veröffentlicht", "veröffentlicht am", "aktualisiert", "aktualisiert am", "publié", "publié le",
    "publie le", "mis à jour", "mis à jour le", "fecha", "publicado", "publicado el", "actualizado",
})
_AUTHOR_LABELS = frozenset({"author", "authors", "written by", "writer", "reporter", "autor", "autorin", "auteur"})

_TEASER_PREFIX = re.compile(
    r"(?i)^\s*(?:read more|read also|also read|read next|see also|related|more|watch|recommended|trending|"
    r"lesen sie auch|lesen sie mehr|mehr zum thema|auch interessant|lire aussi|à lire aussi|a lire aussi|"
    r"voir aussi|te puede interesar|lee también|lee tambien|leer más|leer mas|ver también|ver tambien)"
    r"\s*(?:[:|>»›]|--?|–|—)\s*\S"
)

_ROLE_WORDS = frozenset("""
journalist journalists reporter reporters correspondent correspondents editor editors columnist contributor
contributors staff section desk newsroom redakteur redakteurin korrespondent korrespondentin journaliste
journalistes rédacteur rédactrice rédaction correspondant correspondante periodista periodistas redactor
redactora redacción corresponsal writer writers photographer
""".split())

_COMMON_WORDS = frozenset("""
the a an and or but of to in on at by for with from as is are was were be been being it its this that these those
he she they we you i his her their our your my me him them us not no yes so if then than too very can could will
would shall should may might must do does did done have has had having about after before over under into onto
out up down off again more most some any all each every both few other such only own same just also now here
there when where why how what which who whom whose while during since until because though although per via
said says say new one two three first last year years week weeks day days time people
der die das und oder ein eine nicht ist sind war mit von zu auf für den dem des im am sich auch es sie er wir
le la les un une des et ou de du au aux en est sont pas que qui dans pour par sur avec il elle ils nous vous
el los las y o del al es son no que en por para con se su sus lo como más pero una
""".split())

_BREADCRUMB_START = re.compile(
    r"(?i)^(?:current|current page|you are here|sie sind hier|vous êtes ici|vous etes ici|usted está en|"
    r"estás en|estas en|location)\s*:"
)
_BREADCRUMB_HOME = re.compile(r"(?i)(?:^|\W)(?:home|startseite|accueil|inicio|portada|start)\s*(?:[>»›/|]|->)")
_BREADCRUMB_SEP = re.compile(r"\s(?:>|»|›|->)\s")
_NAV_SPLIT = re.compile(r"\s+(?:[|>»›/]|->)\s+")

# ---------------------------------------------------------------------------
# Line shapes

_CLOSERS = " \"'”’»)]"
_SENTENCE_END = frozenset(".!?…。")


def _ends_sentence(line: str) -> bool:
    """Ends with . ! ? or … (closing quotes and brackets aside)."""
    return line.rstrip(_CLOSERS)[-1:] in _SENTENCE_END


_LIST_MARKER = re.compile(r"^(?:[-–—•*·▪►>]\s|\d{1,2}[.)]\s)")
_PUNCT_ONLY = re.compile(r"^[\W_]*$")
_NO_LETTERS = re.compile(r"^[^a-zA-Z\u00c0-\u024f\u0370-\u1fff\u3040-\u9fff\uac00-\ud7af]{1,12}$")  # "👍 12", "★★★★"
_DATE_LABEL_LINE = re.compile(
    r"(?i)^(?:posted|published|updated|last updated|first published|veröffentlicht|aktualisiert|publié|"
    r"mis à jour|publicado|actualizado)\b")
_COUNTER = re.compile(r"^[^\W\d_][^()\n]{0,28}\(\s*\d[\d,.\s]*[kKmM]?\s*\)$")
_NUMBER_WIDGET = re.compile(r"^\d[\d,.]*\s*[kKmM]?\s+([^\W\d_]+)$")
_CREDIT_ONLY = re.compile(r"^\((?=[^()]*[^\W\d_])[^()]{2,120}\)$")
_CREDIT_WORDS = re.compile(
    r"(?i)/|\b(?:photo|photos|image|images|picture|credit|via|getty|file|courtesy|handout|pool|reporting|editing|"
    r"foto|fotos|bild|imagen|crédit|archiv|archive|archivo)\b")
_STORY_CREDIT = re.compile(r"(?i)^\((?:additional )?(?:reporting|editing|writing|compiled|mit material)\b")
# A parenthesised credit ending a line: "(Photo: Getty)", "(AP Photo/Jane Doe)".
# Matched by hand around the last "(": a pattern with [^()]* on both sides of
# the credit word backtracked quadratically (25 s on a 128 KB line).
_CREDIT_TAIL_WORD = re.compile(
    r"(?i)\b(?:via|photo|photos|foto|fotos|image|images|getty|credit|crédit|file|archive|archivo|handout|pool)\b")
_CREDIT_TAIL_SLASH = re.compile(r"[^\W\d_.]\s*/\s*[^\W\d_]")  # "AP Photo/Jane Doe", "Reuters / Name"


def _credit_tail(line: str) -> bool:
    """The line ends with a parenthesised photo credit (no nested brackets)."""
    end = line.rstrip()
    if not end.endswith(")"):
        return False
    start = end.rfind("(", 0, len(end) - 1)
    if start < 0 or ")" in end[start + 1:-1]:
        return False
    inner = end[start + 1:-1]
    return bool(_CREDIT_TAIL_WORD.search(inner) or _CREDIT_TAIL_SLASH.search(inner))


_CAPTION_START = re.compile(
    r"(?i)^(?:in (?:this|these|an?) (?:\w+ ){0,3}(?:photos?|images?|pictures?|photographs?|handout|video|still|"
    r"frame|screen ?grab|file)\b|file\s*(?:photo)?\s*(?:--?|[–—:])\s|(?:photo|photos|image|picture|photograph|"
    r"caption|foto|fotos|bild|imagen|crédit photo|credit|crédits?)\s*:\s|(?:photo|image|picture|foto|bild)\s+"
    r"(?:by|von|de|por)\s)"
)
_STOCK_CREDIT = re.compile(r"(?i)\b(?:getty images|shutterstock|ap photo|afp photo|reuters/|epa-efe|istock)\b")
_COPYRIGHT = re.compile(r"(?i)^(?:©|\(c\)\s|copyright\b)|\ball rights reserved\b|\balle rechte vorbehalten\b|"
                        r"\btous droits réservés\b|\btodos los derechos reservados\b")
_COOKIE = re.compile(r"(?i)\bcookies?\b")
_COOKIE_CONTEXT = re.compile(
    r"(?i)\b(?:we use|this (?:web)?site|our (?:site|website|partners)|you agree|accept|consent|manage|"
    r"preferences|privacy|wir verwenden|wir nutzen|diese (?:web)?seite|akzeptieren|zustimm|einverstanden|"
    r"datenschutz|nous utilisons|ce site|accepter|consentement|utilizamos|este sitio|aceptar|consentimiento)"
)

_CAP_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.\-]*"
_NAME = rf"{_CAP_WORD}(?:\s+(?:{_CAP_WORD}|(?:van|von|de|da|del|der|la|le|bin|al)\b)){{1,3}}"  # 2-4 words
_BYLINE = re.compile(
    rf"^(?i:by|von|par|por|written by|text|texte|texto|reporting by)\s*:?\s+"
    rf"(?P<names>{_NAME}(?:\s*(?:,|&|\band\b|\bund\b|\bet\b|\by\b)\s*{_NAME})*)"
    rf"\s*(?:(?:[,|/–—]|\s-\s)\s*(?P<aff>[^.!?]{{0,60}}))?$"
)
_INLINE_DATELINE = re.compile(  # "HAYWARD, Calif. (AP) — The Latest ..."
    r"^[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’.\- ]{1,30}(?:,\s*[A-Z][\w.]+(?:\s[A-Z][\w.]+)?)?\s*(?:\([^()]{1,20}\)\s*)?"
    r"(?:--?|–|—)\s*\S")
_DATELINE = re.compile(
    r"^[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ .,'’\-]{1,40}(?:\s*\([^()]{1,20}\))?\s*(?:--?|[–—:])\s*$"
)

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


def _make_date(y: int, m: int, d: int) -> date | None:
    if not 1900 <= y <= 2100:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _match_date(m: re.Match) -> date | None:
    g = m.groupdict()
    if g["iy"]:
        return _make_date(int(g["iy"]), int(g["im"]), int(g["id"]))
    if g["ny"]:
        a, b, y = int(g["na"]), int(g["nb"]), int(g["ny"])
        sep = m.group(0)[len(g["na"])]
        if sep == "/" and a <= 12 and b > 12:  # US month/day only when unambiguous
            return _make_date(y, a, b)
        return _make_date(y, b, a)
    if g["dy"]:
        return _make_date(int(g["dy"]), _MONTHS[g["dm"].lower()], int(g["dd"]))
    return _make_date(int(g["my"]), _MONTHS[g["mm"].lower()], int(g["md"]))


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


def _hint_date(value) -> date | None:
    """A date the source gave (JSON field, feed entry): a date, or a string
    in the forms feeds use (ISO 8601, RFC 2822, written dates)."""
    if value is None or value == "":
        return None
    if isinstance(value, (date, datetime)):
        return parse_date(value)
    return parse_date(str(value)) or find_date(str(value))


# ---------------------------------------------------------------------------
# Spam tokens glued onto words

_GLUE_POINT = re.compile(r"[,;:|](?=[^\W\d_])")  # punctuation with a letter right after it
_LETTERS = re.compile(r"[^\W\d_]+")
_GLUE = ",;:|"


def _glued_tokens(text: str) -> dict[str, int]:
    """Words glued to a neighbour by punctuation without a space, counted:
    the one after in "week,TOKEN the", the one before in "TOKEN:Russia"."""
    glued: dict[str, int] = {}
    for m in _GLUE_POINT.finditer(text):
        p = m.start()
        if not text[p - 1 : p].isalpha():
            continue
        after = _LETTERS.match(text, p + 1)
        e = after.end()
        if e - p > 3 and text[e : e + 1] in (" ", "\t") and text[e + 1 : e + 2].isalpha():
            tok = after.group().lower()
            glued[tok] = glued.get(tok, 0) + 1
        b = p
        while b > 0 and text[b - 1].isalpha():
            b -= 1
        if p - b >= 3 and (b == 0 or text[b - 1].isspace()):
            tok = text[b:p].lower()
            glued[tok] = glued.get(tok, 0) + 1
    return glued


MAX_SPAM_TOKENS = 20  # a spam site glues in one to a few tokens; more candidates are not spam markers


def _remove_spam_tokens(text: str, notes: list[str]) -> str:
    """Drop tokens a spam site glued onto words ("week,verdicoin the",
    "verdicoin:Russia's"): a token counts as spam when it is glued to
    punctuation without a space at least twice, never appears as a word of
    its own in the text, and is no common word. Linear in the text: words
    are counted in one pass, and at most MAX_SPAM_TOKENS tokens are removed."""
    glued = _glued_tokens(text)
    spam = [t for t, n in glued.items() if n >= 2 and t not in _COMMON_WORDS]
    if not spam:
        return text
    lower = text.lower()
    words: dict[str, int] = {}
    for m in _LETTERS.finditer(lower):  # every maximal letter run: the word as it stands alone
        w = m.group()
        if w in glued:
            words[w] = words.get(w, 0) + 1
    found = [t for t in spam if words.get(t, 0) == glued[t]]
    if not found or len(found) > MAX_SPAM_TOKENS:
        return text
    notes.append("spam token: " + ", ".join(found))
    rx = re.compile("(?i)(?:" + "|".join(map(re.escape, found)) + r")(?![^\W\d_])[,;:|]?[ \t]*")

    def drop(m: re.Match) -> str:
        before = text[m.start() - 1 : m.start()]
        if before.isalpha():
            return m.group()  # part of a longer word
        return " " if before and before in _GLUE else ""

    return rx.sub(drop, text)


# ---------------------------------------------------------------------------
# Line classification

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\xad"
_ZW = re.compile(f"[{_ZERO_WIDTH}]")
_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_CURLY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def _has_separator(line: str) -> bool:
    return ">" in line or "»" in line or "›" in line or "/" in line or "|" in line


def _nav_line(line: str, n_words: int) -> bool:
    """Section navigation such as "World News | Europe": short capitalised
    parts between separators."""
    if n_words > 12:
        return False
    parts = _NAV_SPLIT.split(line)
    return len(parts) >= 2 and all(p and len(p.split()) <= 3 and (p[0].isupper() or p[0].isdigit()) for p in parts)


def _legal_hint(line: str, low: str) -> bool:
    return "©" in line or "(c)" in low or "right" in low or "recht" in low or "droit" in low or "derech" in low


def _norm_heading(line: str) -> str:
    s = _LIST_MARKER.sub("", line).translate(_CURLY).lower()
    return s.strip(" :>»›|-–—·•*#.!").strip()


def _is_strong(line: str, n_words: int) -> bool:
    """A line that reads like body prose: a sentence end and a few words."""
    return n_words >= 6 and _ends_sentence(line) and not _LIST_MARKER.match(line)


def _is_headline(line: str, n_words: int) -> bool:
    if not 2 <= n_words <= 30 or len(line) > 250 or _LIST_MARKER.match(line):
        return False
    if line[-1] in ".:;,":
        return False
    c = line[0]
    return c.isupper() or c.isdigit() or c in "\"'“‘«¿¡"


def _widget(line: str, low: str, n_words: int) -> bool:
    if _PUNCT_ONLY.match(line) or _NO_LETTERS.match(line):
        return True
    if n_words > 8:
        return False
    if _COUNTER.match(line):
        return True
    m = _NUMBER_WIDGET.match(low)
    if m and m.group(1) in _WIDGET_WORDS:
        return True
    toks = _WORDS.findall(low)
    if not toks or _ends_sentence(line) and n_words > 3:
        return False
    hits = 0
    for t in toks:
        if t in _WIDGET_WORDS:
            hits += 1
        elif t not in _WIDGET_FILLER:
            return False
    return hits > 0


def _role_line(line: str, low: str, n_words: int) -> bool:
    if n_words > 8 or _ends_sentence(line):
        return False
    if not any(w.strip(",.;:-|/()") in _ROLE_WORDS for w in low.split()):
        return False
    return n_words <= 6 or bool(re.search(r"\s[-|/–—]\s|\|", line))


class _Line:
    __slots__ = ("text", "kind", "n")

    def __init__(self, text: str, kind: str, n: int):
        self.text = text
        self.kind = kind  # "body", or why the line is dropped
        self.n = n


class _Found:
    __slots__ = ("published", "author")

    def __init__(self):
        self.published: date | None = None
        self.author: str | None = None

    def date(self, d: date | None) -> None:
        if d and self.published is None:
            self.published = d


_BYLINE_FIRST = frozenset("by von par por written text texte texto reporting".split())
_TEASER_FIRST = frozenset(
    "read also see related more watch recommended trending lesen mehr auch lire à a voir te lee leer ver".split())
_CAPTION_FIRST = frozenset(
    "in file photo photos image picture photograph caption foto fotos bild imagen crédit credit crédits credits"
    .split())
_DIGIT = re.compile(r"\d")
_TEASER_FIRST4 = frozenset(w[:4] for w in _TEASER_FIRST)


def _classify(line: str, index: int, found: _Found) -> tuple[str, str]:
    """Why a line is dropped ("body" when it is kept), and the line itself
    (a date glued before other text is cut off). Cheap tests on the first
    word and characters guard the regular expressions: this runs per line."""
    if index < _HEADER_ZONE or line[:1].isdigit() or line[:4].lower() in ("date", "publ", "post", "upda"):
        pre = _date_prefix(line)
        if pre and (not pre[1] or index < _HEADER_ZONE):
            found.date(pre[0])
            rest = pre[1]
            if not rest or rest[:1].islower() and len(rest.split()) <= 4 and not _ends_sentence(rest):
                return "date", line  # "Posted on March 3, 2024 by admin"
            line = rest
    words = line.split()
    n = len(words)
    low = line.lower()
    first = words[0].lower().rstrip(":")

    if n <= 15:
        kind = _classify_short(line, low, first, n, index, found)
        if kind:
            return kind, line
    if n <= 40 and first[:4] in _TEASER_FIRST4 and _TEASER_PREFIX.match(line):
        return "teaser", line
    if _has_separator(line) and (_BREADCRUMB_HOME.search(line) or len(_BREADCRUMB_SEP.findall(line)) >= 2
                                 or _nav_line(line, n)) \
            or ":" in line and _BREADCRUMB_START.match(line):
        return "breadcrumb", line
    if line[-1] == ")" and _credit_tail(line) or first in _CAPTION_FIRST and _CAPTION_START.match(line):
        return "caption", line
    if n <= 40 and (_legal_hint(line, low) and _COPYRIGHT.search(line)
                    or "cookie" in low and _COOKIE.search(line) and _COOKIE_CONTEXT.search(line)):
        return "legal", line
    return "body", line


def _classify_short(line: str, low: str, first: str, n: int, index: int, found: _Found) -> str | None:
    if _norm_heading(line) in _LIST_HEADINGS:  # before widgets: "More" may start a list
        return "heading"
    if _widget(line, low, n):
        return "widget"
    if ":" in line or "|" in line:
        m = _META_LINE.match(line)
        if m and len(m.group("value").split()) <= 15:
            label = m.group("label").lower()
            value = m.group("value")
            if label in _DATE_LABELS:
                found.date(find_date(value))
            elif label in _AUTHOR_LABELS and value and not found.author:
                found.author = _normalise_author(value)
            return "meta"
    if n <= 12 and not _ends_sentence(line) and _DATE_LABEL_LINE.match(line) and (
            _DIGIT.search(line) or " by " in low or " ago" in low):
        found.date(find_date(line))
        return "meta"
    if first in _BYLINE_FIRST:
        m = _BYLINE.match(line)
        if m and not _ends_sentence(m.group("names")):
            if not found.author:
                found.author = _normalise_author(m.group("names"))
            return "byline"
    if line[0] == "(" and n <= 12 and _CREDIT_ONLY.match(line) and (
            _CREDIT_WORDS.search(line) or all(w[:1].isupper() for w in line.strip("()").split())) \
            or n <= 6 and _STOCK_CREDIT.search(line):
        return "credit"
    if line[-1] in "-–—:" and _DATELINE.match(line):
        return "dateline"
    if n <= 10 and _DIGIT.search(line):
        dm = _DATE.search(line)
        found_date = _match_date(dm) if dm else None
        if found_date:
            rest = _TIME.sub(" ", line[: dm.start()] + line[dm.end():])
            if len(_WORDS.findall(rest)) <= 3:
                if index < _DATE_LINE_ZONE:  # not a date deep in the body (an embedded post's)
                    found.date(found_date)
                return "date"
    if _role_line(line, low, n):
        return "meta"
    return None


_AUTHOR_SPLIT = re.compile(r"\s*(?:[,;&|]|\b(?:and|und|et|y)\b)\s*", re.I)


def _normalise_author(names: str) -> str | None:
    """Each name of a byline made readable (metadata.normalise_author: "AAMER
    MADHANI" becomes "Aamer Madhani"), roles left out, several authors joined
    with "; " (as trafilatura does)."""
    out = []
    for name in _AUTHOR_SPLIT.split(names):
        name = " ".join(name.split()).strip(" .-–—:")
        if not name:
            continue
        if any(w in _ROLE_WORDS for w in name.lower().split()):
            continue  # "Staff Writer", "Politics Editor"
        name = normalise_author(name)
        if name:
            out.append(name)
    return "; ".join(out) or None


def _mark_lists(lines: list[_Line]) -> None:
    """After a Related/Trending-style heading, drop the teaser lines that
    follow, until the body resumes (two prose lines in a row). When the list
    comes before any prose (navigation above the article), the headline-like
    line right before the prose is the article's title, not a teaser."""
    i, n = 0, len(lines)
    seen_prose = False
    while i < n:
        if lines[i].kind != "heading":
            seen_prose = seen_prose or lines[i].kind == "body" and _is_strong(lines[i].text, lines[i].n)
            i += 1
            continue
        j = i + 1
        while j < n:
            cur = lines[j]
            if cur.kind == "body" and _is_strong(cur.text, cur.n):
                k = j + 1
                while k < n and lines[k].kind not in ("body", "heading"):
                    k += 1
                if k < n and lines[k].kind == "body" and _is_strong(lines[k].text, lines[k].n):
                    break
            if cur.kind == "body":
                cur.kind = "list"
            j += 1
        if j < n and not seen_prose:
            above = lines[j - 1]
            if above.kind == "list" and _is_headline(above.text, above.n):
                above.kind = "body"
        i = j


def _mark_captions(lines: list[_Line]) -> None:
    """A photo credit line takes the caption above it along, and a short
    unpunctuated caption headline above that (unless it is the first kept
    line: then it is the title)."""
    first_body = next((k for k, x in enumerate(lines) if x.kind == "body"), None)
    for i, cur in enumerate(lines):
        if cur.kind != "credit" or i == 0 or lines[i - 1].kind != "body" or _STORY_CREDIT.match(cur.text):
            continue
        lines[i - 1].kind = "caption"
        if i >= 2 and i - 2 != first_body:
            above = lines[i - 2]
            if above.kind == "body" and not _ends_sentence(above.text) and _is_headline(above.text, above.n):
                above.kind = "caption"


def _mark_bylines(lines: list[_Line]) -> None:
    """The short line after a byline (an agency, a paper, a role) goes too."""
    for i, cur in enumerate(lines[:-1]):
        nxt = lines[i + 1]
        if cur.kind == "byline" and nxt.kind == "body" and nxt.n <= 5 and not _ends_sentence(nxt.text):
            nxt.kind = "byline"


def _pick_title(lines: list[_Line], hint: str | None) -> str | None:
    """The title is a headline-like line before the body starts: the one the
    header repeats, the one the source named, or else the first. Other
    unpunctuated lines before the body (decks, caption headlines) go."""
    start = None
    for k, x in enumerate(lines):
        if x.kind == "dateline" or x.kind == "body" and (_is_strong(x.text, x.n) or _INLINE_DATELINE.match(x.text)):
            start = k
            break
    if start is None:
        return None
    pre = [k for k in range(start) if lines[k].kind == "body"]
    if not pre:
        return None
    hint_key = " ".join(hint.split()).lower() if hint else None
    headers = [k for k in range(start) if lines[k].kind in ("breadcrumb", "body")]
    chosen = None
    for k in pre:
        x = lines[k]
        if hint_key and " ".join(x.text.split()).lower() == hint_key:
            chosen = k
            break
    if chosen is None:
        for k in pre:
            x = lines[k]
            if _is_headline(x.text, x.n) and len(x.text) >= 15 and any(
                    h != k and x.text in lines[h].text and len(lines[h].text) > len(x.text) for h in headers):
                chosen = k
                break
    if chosen is None:
        chosen = next((k for k in pre if _is_headline(lines[k].text, lines[k].n)), None)
    title = None
    for k in pre:
        x = lines[k]
        if k == chosen:
            title = x.text
            x.kind = "title"
        elif not _ends_sentence(x.text):
            x.kind = "pre-body"
    return title


_MAX_TAIL = 3


def _hint_author(value) -> str | None:
    """An author the source gave: a name or a list of names."""
    if isinstance(value, (list, tuple)):
        names = [normalise_author(v) for v in value if isinstance(v, str)]
        return "; ".join(n for n in names if n) or None
    return normalise_author(value) if isinstance(value, str) else None


def _trim_tail(body: list[_Line]) -> list[_Line]:
    """Drop a few unpunctuated lines left after the last sentence (teasers
    under a heading we do not know, a tag list, a button). A longer such run
    is content (a list of tour dates, of teams) and stays."""
    k = len(body)
    while k > 1 and body[k - 1].kind == "body" and not _ends_sentence(body[k - 1].text):
        k -= 1
    if k == len(body) or len(body) - k > _MAX_TAIL or body[k - 1].kind != "body":
        return body
    for x in body[k:]:
        x.kind = "tail"
    return body[:k]


def clean_text_dump(text: str, hints: dict | None = None) -> Extracted:
    """The article in a plain-text dump of a scraped page: body paragraphs
    separated by one blank line, and the title, author and date the page shows
    (``hints`` from the source fill what the page does not show)."""
    hints = hints or {}
    notes: list[str] = []
    if any(c in text for c in _ZERO_WIDTH):
        text = _ZW.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _remove_spam_tokens(text, notes)
    found = _Found()
    lines: list[_Line] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())  # str.split knows every Unicode space (no-break, thin, ideographic)
        if not line:
            continue
        kind, line = _classify(line, len(lines), found)
        lines.append(_Line(line, kind, len(line.split())))

    _mark_lists(lines)
    _mark_captions(lines)
    _mark_bylines(lines)
    hint_title = hints.get("title") if isinstance(hints.get("title"), str) else None
    title = _pick_title(lines, hint_title)

    body = _trim_tail([x for x in lines if x.kind in ("body", "dateline")])
    paragraphs: list[str] = []
    pending = ""
    for x in body:
        if x.kind == "dateline":
            pending = (pending + " " + x.text).strip()
            continue
        paragraphs.append(f"{pending} {x.text}" if pending else x.text)
        pending = ""

    for x in lines:
        if x.kind not in ("body", "dateline", "title"):
            notes.append(f"{x.kind}: {x.text[:60]}")
    if title:
        title = title.translate(_CURLY)
    else:
        title = " ".join(hint_title.split()) if hint_title else None
    return Extracted(
        text="\n\n".join(paragraphs),
        title=title,
        author=found.author or _hint_author(hints.get("author")),
        published=found.published or _hint_date(hints.get("published")),
        notes=notes,
    )
