"""The clean suite: each check passing and failing, and the severity paths."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from flows.quality import check_clean

from .conftest import BODY, make_article

CLEAN_CHECKS = {
    "word_count_within_bounds", "language_allowed", "no_html_leftovers", "links_only", "link_list_share",
    "no_link_lists",
    "title_present", "published_date_present", "published_date_parseable", "published_date_in_range",
    "no_widget_lines", "no_spam_tokens", "url_well_formed",
}


def by_name(outcome):
    return {r.check_name: r for r in outcome.results}


def test_clean_articles_pass_every_check(settings):
    articles = [make_article(n=i) for i in range(3)] + [make_article(n=3, url=None)]
    outcome = check_clean(articles, settings, batch=1)
    assert set(by_name(outcome)) == CLEAN_CHECKS
    failed = [r for r in outcome.results if not r.success]
    assert failed == []
    assert outcome.rejected == {} and outcome.warnings == {}
    assert by_name(outcome)["language_allowed"].observed == "languages: en=4"


def test_error_checks_reject_with_check_name_and_observed(settings):
    short = make_article("Too short to be an article.", n=1)
    html = make_article(BODY + '\n\nRead <a href="/x">more</a> here.', n=2)
    entity = make_article(BODY + "\n\nFish &amp; chips.", n=3)
    headlines = "\n".join(f"- Governor {w} seeks funding for schools and roads" for w in "ABCDEFGHIJ")
    links = make_article(BODY + "\n\nRelated\n" + headlines, n=4)
    good = make_article(n=5)
    outcome = check_clean([short, html, entity, links, good], settings)
    assert outcome.rejected[short.raw_id] == ("word_count_within_bounds", "word_count=6 (min 20)")
    assert outcome.rejected[html.raw_id][0] == "no_html_leftovers"
    assert '<a href="/x">' in outcome.rejected[html.raw_id][1]
    assert outcome.rejected[entity.raw_id] == ("no_html_leftovers", "HTML left in text: &amp;")
    # mostly link-like lines is a warning (real listicles reach it); only links is an error
    assert links.raw_id not in outcome.rejected
    assert {"link_list_share", "no_link_lists"} <= set(outcome.warnings[links.raw_id])
    assert good.raw_id not in outcome.rejected
    assert not outcome.success
    assert by_name(outcome)["no_html_leftovers"].unexpected_count == 2


def test_max_words(settings):
    long = make_article(BODY, n=1)
    outcome = check_clean([long], settings.with_(min_words=5, max_words=30))
    assert outcome.rejected[long.raw_id] == ("word_count_within_bounds", f"word_count={long.word_count} (max 30)")


def test_warning_checks_keep_the_row(settings):
    today = date.today()
    no_title = make_article(n=1, title=None)
    blank_title = make_article(n=2, title="  ")
    future = make_article(n=3, published_date=today + timedelta(days=30))
    old = make_article(n=4, published_date=date(1985, 5, 1))
    undated = make_article(n=5, published_date=None)
    not_a_date = make_article(n=6, published_date="next Tuesday")
    widget = make_article(BODY + "\n\nShare\n\nThe talks resumed later.", n=7)
    listed = make_article(BODY + "\n\nTour dates\n\nJune 9 - Miami\n\nJune 10 - Tampa\n\nJune 12 - Atlanta\n\nMore dates soon.", n=10)
    spam = make_article(BODY.replace("The meeting", "The verdicoin:Meeting"), n=8)
    bad_url = make_article(n=9, url="javascript:void(0)")
    articles = [no_title, blank_title, future, old, undated, not_a_date, widget, spam, bad_url, listed]
    outcome = check_clean(articles, settings)
    assert outcome.rejected == {}
    assert outcome.success  # only warnings failed
    assert outcome.warnings == {  # keyed by raw_id, like rejected
        no_title.raw_id: ["title_present"],
        blank_title.raw_id: ["title_present"],
        future.raw_id: ["published_date_in_range"],
        old.raw_id: ["published_date_in_range"],
        undated.raw_id: ["published_date_present"],
        not_a_date.raw_id: ["published_date_parseable"],
        widget.raw_id: ["no_widget_lines"],
        spam.raw_id: ["no_spam_tokens"],
        bad_url.raw_id: ["url_well_formed"],
        listed.raw_id: ["no_link_lists"],  # a list inside an article is kept
    }
    results = by_name(outcome)
    assert all(results[n].severity == "warning" for n in outcome.warnings[future.raw_id] + outcome.warnings[spam.raw_id])
    assert "in the future" in results["published_date_in_range"].observed
    assert results["published_date_in_range"].unexpected_count == 2


def test_languages_configured(settings):
    en = make_article(n=1)
    de = make_article(n=2, language="de")
    unknown = make_article(n=3, language=None)
    outcome = check_clean([en, de, unknown], settings.with_(languages=("en", "fr")))
    assert outcome.rejected == {
        de.raw_id: ("language_allowed", "language=de (allowed: en, fr)"),
        unknown.raw_id: ("language_allowed", "language=und (allowed: en, fr)"),
    }
    assert "languages: " in by_name(outcome)["language_allowed"].observed
    # no languages configured: everything kept, languages still reported
    outcome = check_clean([en, de, unknown], settings)
    assert outcome.rejected == {}
    assert by_name(outcome)["language_allowed"].observed == "languages: en=1, de=1, und=1"


def test_navigation_only_page_is_rejected(settings):
    nav = make_article(
        "Home\nNews\nWorld\nBusiness\nSport\nWeather\nContact us\nAbout us\nPrivacy Policy\nTerms of Use\n"
        "Latest Headlines\nMost Read\nVideo\nPodcasts\nNewsletters\nSubscribe Today\nFollow Us On Social Media",
        n=1,
    )
    outcome = check_clean([nav], settings)
    check, observed = outcome.rejected[nav.raw_id]
    assert (check, observed) == ("links_only", "100% of the words are in link-like lines (max 90%)")
    results = by_name(outcome)
    assert not results["links_only"].success and not results["no_link_lists"].success
    # a short one is rejected for its size first
    menu = make_article("Home\nNews\nSport\nWeather\nContact", n=2)
    outcome = check_clean([menu], settings)
    assert outcome.rejected[menu.raw_id] == ("word_count_within_bounds", "word_count=5 (min 20)")
    assert not by_name(outcome)["links_only"].success


def test_login_page_is_rejected(settings):
    login = make_article("Sign in\n\nEmail address\n\nPassword\n\nRemember me\n\nForgot your password?\n\nCreate an account", n=1,
                         title="Log in")
    outcome = check_clean([login], settings)
    assert outcome.rejected[login.raw_id] == ("word_count_within_bounds", "word_count=13 (min 20)")


def test_first_failing_error_check_wins(settings):
    bad = make_article("<p>tiny</p>", n=1, language="xx")
    outcome = check_clean([bad], settings.with_(languages=("en",)))
    assert outcome.rejected[bad.raw_id][0] == "word_count_within_bounds"  # suite order
    failed = {r.check_name for r in outcome.results if not r.success}
    assert {"word_count_within_bounds", "language_allowed", "no_html_leftovers"} <= failed


def test_signals_found_in_the_worker_give_the_same_frame_and_verdicts(settings):
    """A cleaning worker hands the clean checks what they read of each text (Article.signals);
    the frame and the verdicts are those of scanning the texts here."""
    from flows.clean import _clean_and_pack
    from flows.quality.frames import clean_frame
    from flows.records import RawDocument
    from flows.settings import SAMPLES_DIR

    headlines = "\n".join(f"- Governor {w} seeks funding for schools and roads" for w in "ABCDEFGHIJ")
    texts = [p.read_bytes() for p in sorted(SAMPLES_DIR.glob("*.txt"))]
    texts.append((BODY + "\n\nRelated\n" + headlines + "\n\nFish &amp; chips.").encode())
    docs = [RawDocument(source=f"/in/{i}.txt", kind="text", content=t, url="http://x.example/a b")
            for i, t in enumerate(texts)]
    cleaned = [_clean_and_pack(doc, settings)[0] for doc in docs]
    assert all(a.signals is not None for a in cleaned)
    scanned = [replace(a, signals=None) for a in cleaned]
    assert all(a.signals is None for a in scanned) and scanned == cleaned  # signals do not count in ==
    assert clean_frame(cleaned).equals(clean_frame(scanned))
    with_signals, without = check_clean(cleaned, settings), check_clean(scanned, settings)
    assert with_signals.rejected == without.rejected and with_signals.warnings == without.warnings
    assert [(r.check_name, r.success, r.observed) for r in with_signals.results] == \
        [(r.check_name, r.success, r.observed) for r in without.results]
