"""The expectations of each stage, as code.

A ``CheckSpec`` names one check, its severity, the frame column it looks at,
the Great Expectations expectation that checks it (by class name, so this
module imports without GX), and how to word one failing row for people.
Severity ``error`` quarantines the row; ``warning`` keeps it and records the
check name on it.

Choices:
- ``raw_id_unique`` is a warning: the same bytes from the same source read
  twice are one document (raw_id is the key), not a reason to lose it.
- Dates out of range (before 1990, after today) are warnings: the article is
  still news worth keeping; a wrong date is metadata to fix, not noise.
- Widget lines, link lists and glued spam tokens are warnings (a stray
  "Share" line, a list of tour dates or a typo like "said:It" should not cost
  an article: on the 90 real pages of eval/extraction-dev, 12 cleaned texts
  hold a legitimate run of 4+ list lines). A text that is mostly link-like
  lines (link_list_share > 60%) is a warning too: real articles reach it (a
  product listicle, a news story with a list of results; on the 559 pages of
  eval/extraction-dev, news-dev and multilingual-dev the cleaned texts reach
  54%). Only a text that is almost all link-like lines (> 90%,
  ``links_only``) is an error: a page of only navigation and link lists has
  no article in it. HTML tags or entities left in the text
  are an error: the cleaning failed.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flows.quality.model import ERROR, WARNING
from flows.settings import Settings

MIN_DATE = datetime(1990, 1, 1)
MAX_LINK_LIST_SHARE = 0.6  # above: the "article" is mostly menus and link lists (a warning)
MAX_LINKS_ONLY_SHARE = 0.9  # above: nothing but menus and link lists (quarantined)
KNOWN_KINDS = ("text", "html")
DUPLICATE_KINDS = ("exact", "near")


@dataclass(frozen=True)
class CheckSpec:
    name: str
    severity: str
    column: str
    expectation: str | Callable[[Settings], str]  # a class name in great_expectations.expectations
    params: Callable[[Settings], dict]  # expectation arguments other than column
    describe: Callable[[dict, Settings], str]  # one failing row -> observed text
    description: str
    summarize: Callable[[object], str] | None = None  # batch DataFrame -> observed text

    def expectation_name(self, settings: Settings) -> str:
        return self.expectation(settings) if callable(self.expectation) else self.expectation


@dataclass(frozen=True)
class Suite:
    stage: str
    name: str  # the GX suite name, shown in Data Docs
    id_columns: tuple[str, ...]  # columns GX reports for each failing row
    reject_key: str | None  # column keying ``rejected`` (None: nothing quarantined)
    warn_key: str  # column keying ``warnings``
    checks: tuple[CheckSpec, ...]

    def params_key(self, settings: Settings) -> tuple:
        """What the built GX suite depends on: rebuild it when this changes."""
        return tuple((c.expectation_name(settings), repr(sorted(c.params(settings).items())))
                     for c in self.checks)


def _none(_: Settings) -> dict:
    return {}


def _value(column: str) -> Callable[[dict, Settings], str]:
    return lambda row, s: str(row.get(column))


def _mb(n: int) -> str:
    return f"{n:,} bytes ({n / 1024 / 1024:.1f} MB)"


READABLE = "readable"  # the raw check a document with a read error fails (quality/stages.check_raw counts them)


RAW = Suite(
    stage="raw",
    name="newsflow_raw",
    id_columns=("raw_id", "size_bytes"),
    reject_key="raw_id",
    warn_key="raw_id",
    checks=(
        CheckSpec(READABLE, ERROR, "read_error", "ExpectColumnValuesToBeNull", _none,
                  _value("read_error"), "The source was read whole (no truncated archive or read error)."),
        CheckSpec("not_empty", ERROR, "nonblank_bytes", "ExpectColumnValuesToBeBetween",
                  lambda s: {"min_value": 1},
                  lambda row, s: "empty document (0 bytes)" if not row.get("size_bytes")
                  else f"only whitespace ({row['size_bytes']:,} bytes)",
                  "The document has content other than whitespace."),
        CheckSpec("size_within_limit", ERROR, "size_bytes", "ExpectColumnValuesToBeBetween",
                  lambda s: {"min_value": 0, "max_value": s.max_document_bytes},
                  lambda row, s: f"size={_mb(int(row['size_bytes']))} (max {_mb(s.max_document_bytes)})",
                  "The document is no larger than max_document_bytes."),
        CheckSpec("not_binary", ERROR, "binary", "ExpectColumnValuesToBeNull", _none,
                  _value("binary"), "The bytes look like text: no NUL bytes, few control bytes, no binary signature."),
        CheckSpec("decodable", ERROR, "decode_error", "ExpectColumnValuesToBeNull", _none,
                  _value("decode_error"), "The bytes decode as UTF-8, the declared charset or a detected one."),
        CheckSpec("source_present", ERROR, "source", "ExpectColumnValuesToNotBeNull", _none,
                  lambda row, s: "no source recorded", "Every document says where it came from."),
        CheckSpec("known_kind", ERROR, "kind", "ExpectColumnValuesToBeInSet",
                  lambda s: {"value_set": list(KNOWN_KINDS)},
                  lambda row, s: f"kind={row.get('kind')!r} (expected {'|'.join(KNOWN_KINDS)})",
                  "The input type is one the cleaners handle."),
        CheckSpec("raw_id_unique", WARNING, "raw_id", "ExpectColumnValuesToBeUnique", _none,
                  lambda row, s: "raw_id repeated in the batch", "Each document appears once in a batch."),
    ),
)


def _today_bound(_: Settings) -> datetime:
    # One day of slack: "today" somewhere east of UTC is tomorrow here.
    return datetime.combine(date.today() + timedelta(days=1), datetime.min.time())


def _word_count_observed(row: dict, s: Settings) -> str:
    n = int(row["word_count"])
    return f"word_count={n} (min {s.min_words})" if n < s.min_words else f"word_count={n} (max {s.max_words})"


def _language_params(s: Settings) -> dict:
    return {"value_set": sorted(s.languages)} if s.languages else {}


def _language_expectation(s: Settings) -> str:
    return "ExpectColumnValuesToBeInSet" if s.languages else "ExpectColumnValuesToNotBeNull"


def _language_summary(df) -> str:
    counts = df["language"].value_counts()
    return "languages: " + ", ".join(f"{k}={v}" for k, v in counts.head(8).items())


def _date_observed(row: dict, s: Settings) -> str:
    value = row.get("published_ts")
    day = value.date().isoformat() if hasattr(value, "date") else str(value)
    if value is not None and value < MIN_DATE:
        return f"published_date={day} (before {MIN_DATE.date().isoformat()})"
    return f"published_date={day} (in the future)"


CLEAN = Suite(
    stage="clean",
    name="newsflow_clean",
    id_columns=("article_id", "raw_id"),
    reject_key="raw_id",
    warn_key="raw_id",
    checks=(
        CheckSpec("word_count_within_bounds", ERROR, "word_count", "ExpectColumnValuesToBeBetween",
                  lambda s: {"min_value": s.min_words, "max_value": s.max_words},
                  _word_count_observed, "The cleaned text has between min_words and max_words words."),
        # With no languages configured every language is kept: the check is then
        # "a language was recorded" (undetected is 'und'), and its observed value
        # lists the languages seen.
        CheckSpec("language_allowed", ERROR, "language", _language_expectation, _language_params,
                  lambda row, s: f"language={row.get('language')} (allowed: {', '.join(s.languages)})",
                  "The language is one of the configured languages (all kept when none are set).",
                  summarize=_language_summary),
        CheckSpec("no_html_leftovers", ERROR, "html_leftover", "ExpectColumnValuesToBeNull", _none,
                  _value("html_leftover"), "No HTML tags or character entities are left in the text."),
        CheckSpec("links_only", ERROR, "link_list_share", "ExpectColumnValuesToBeBetween",
                  lambda s: {"min_value": 0.0, "max_value": MAX_LINKS_ONLY_SHARE},
                  lambda row, s: f"{row['link_list_share']:.0%} of the words are in link-like lines "
                                 f"(max {MAX_LINKS_ONLY_SHARE:.0%})",
                  "The text is not only menus, link lists or headline lists."),
        CheckSpec("title_present", WARNING, "title", "ExpectColumnValuesToNotBeNull", _none,
                  lambda row, s: "no title", "The article has a title."),
        CheckSpec("published_date_present", WARNING, "published_date", "ExpectColumnValuesToNotBeNull", _none,
                  lambda row, s: "no published date", "The article has a published date."),
        CheckSpec("published_date_parseable", WARNING, "published_date", "ExpectColumnValuesToMatchStrftimeFormat",
                  lambda s: {"strftime_format": "%Y-%m-%d"},
                  lambda row, s: f"published_date={row.get('published_date')!r} (not a date)",
                  "The published date is a calendar date."),
        CheckSpec("published_date_in_range", WARNING, "published_ts", "ExpectColumnValuesToBeBetween",
                  lambda s: {"min_value": MIN_DATE, "max_value": _today_bound(s)},
                  _date_observed, "The published date is not before 1990 and not in the future."),
        CheckSpec("link_list_share", WARNING, "link_list_share", "ExpectColumnValuesToBeBetween",
                  lambda s: {"min_value": 0.0, "max_value": MAX_LINK_LIST_SHARE},
                  lambda row, s: f"{row['link_list_share']:.0%} of the words are in link-like lines "
                                 f"(max {MAX_LINK_LIST_SHARE:.0%})",
                  "The text is not mostly menus, link lists or headline lists."),
        CheckSpec("no_link_lists", WARNING, "link_list", "ExpectColumnValuesToBeNull", _none,
                  _value("link_list"), "No runs of 4+ short link-like lines (menus, related headlines)."),
        CheckSpec("no_widget_lines", WARNING, "widget_line", "ExpectColumnValuesToBeNull", _none,
                  _value("widget_line"), "No page-widget lines (Share, vote counters, view counts)."),
        CheckSpec("no_spam_tokens", WARNING, "spam_token", "ExpectColumnValuesToBeNull", _none,
                  _value("spam_token"), "No tokens glued to words with a colon or comma (injected spam)."),
        CheckSpec("url_well_formed", WARNING, "url_problem", "ExpectColumnValuesToBeNull", _none,
                  _value("url_problem"), "The URL, when present, is http(s) with a host."),
    ),
)


def _flag(text: str) -> Callable[[dict, Settings], str]:
    return lambda row, s: text.format(**row)


DEDUP = Suite(
    stage="dedup",
    name="newsflow_dedup",
    id_columns=("article_id", "canonical_id"),
    reject_key=None,  # articles are stored by now: failures fail the run, they quarantine nothing
    warn_key="article_id",
    checks=(
        CheckSpec("duplicate_is_article", ERROR, "duplicate_not_article", "ExpectColumnValuesToBeInSet",
                  lambda s: {"value_set": [False]}, _flag("{article_id} is not in articles"),
                  "Every duplicate row is about an article."),
        CheckSpec("canonical_is_article", ERROR, "canonical_not_article", "ExpectColumnValuesToBeInSet",
                  lambda s: {"value_set": [False]}, _flag("canonical {canonical_id} is not in articles"),
                  "Every canonical_id is an article."),
        CheckSpec("canonical_not_duplicate", ERROR, "canonical_is_duplicate", "ExpectColumnValuesToBeInSet",
                  lambda s: {"value_set": [False]}, _flag("canonical {canonical_id} is itself a duplicate"),
                  "A canonical article has no row in duplicates (one canonical per cluster)."),
        CheckSpec("not_own_duplicate", ERROR, "own_duplicate", "ExpectColumnValuesToBeInSet",
                  lambda s: {"value_set": [False]}, _flag("{article_id} is its own canonical"),
                  "No article is its own duplicate."),
        CheckSpec("one_canonical_per_article", ERROR, "article_id", "ExpectColumnValuesToBeUnique", _none,
                  _flag("{article_id} has several canonicals"), "Each duplicate points at one canonical."),
        CheckSpec("kind_known", ERROR, "kind", "ExpectColumnValuesToBeInSet",
                  lambda s: {"value_set": list(DUPLICATE_KINDS)},
                  lambda row, s: f"kind={row.get('kind')!r}", "kind is exact or near."),
        CheckSpec("similarity_in_range", ERROR, "similarity", "ExpectColumnValuesToBeBetween",
                  lambda s: {"min_value": 0.0, "max_value": 1.0},
                  lambda row, s: f"similarity={row.get('similarity')}", "similarity is within [0, 1]."),
        CheckSpec("exact_similarity_one", ERROR, "exact_similarity", "ExpectColumnValuesToBeBetween",
                  lambda s: {"min_value": 1.0, "max_value": 1.0},
                  lambda row, s: f"exact duplicate with similarity={row.get('exact_similarity')}",
                  "An exact duplicate has similarity 1."),
    ),
)

STORIES = Suite(
    stage="dedup",
    name="newsflow_stories",
    id_columns=("article_id",),
    reject_key=None,
    warn_key="article_id",
    checks=(
        CheckSpec("one_story_per_article", ERROR, "n_stories", "ExpectColumnValuesToBeBetween",
                  lambda s: {"min_value": 1, "max_value": 1},
                  lambda row, s: f"{row['article_id']} is in {row.get('n_stories')} stories",
                  "Every article is in exactly one story."),
    ),
)

ALL_SUITES = (RAW, CLEAN, DEDUP, STORIES)
