"""Word lists and line patterns of page furniture: generic, in English, German,
French and Spanish; never strings of particular sites."""
from __future__ import annotations

import re

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
