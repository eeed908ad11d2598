"""Story features and the in-memory clustering: names, numbers, titles in any cased script; no chaining."""
from __future__ import annotations

import datetime as dt

from flows.dedup.stories import Doc, StoryBook, StoryParams
from flows.dedup.story_features import NAME_BOOST, NUMBER_BOOST, TITLE_BOOST, features


def test_names_are_words_never_written_lower_case_in_any_cased_script():
    text = ("The minister met Lavrov in Pyongyang. The talks ended in the capital. Министр встретил Лаврова в Пхеньяне, "
            "а потом министр уехал. Министр вернулся.")
    f, n = features(None, text, prefix_chars=0)
    assert f["lavrov"] == NAME_BOOST and f["pyongyang"] == NAME_BOOST
    assert f["лаврова"] == NAME_BOOST and f["пхеньяне"] == NAME_BOOST
    assert f["the"] < NAME_BOOST and f["министр"] < NAME_BOOST  # also written lower-case: not names
    assert n == 4


def test_numbers_titles_apostrophes_and_prefixes():
    f, _ = features("Quake hits Delhi", "A 6.4 quake shook Delhi's old town; 12 died in Delhi.", prefix_chars=0)
    assert f["6.4"] == NUMBER_BOOST and f["12"] == NUMBER_BOOST
    assert f["quake"] > f["shook"] and f["hits"] == TITLE_BOOST  # title words weigh more, even absent from the text
    assert "delhi's" not in f and f["delhi"] > NAME_BOOST  # possessive split off: one name, seen twice, in the title
    g, _ = features(None, "Свердловская область и Свердловской области помогут.", prefix_chars=6)
    assert "свердл" in g and "свердловская" not in g and "област" in g


def test_unspaced_scripts_become_character_bigrams():
    f, _ = features("東京で地震", "東京で地震が発生した。", prefix_chars=0)
    assert {"東京", "地震", "発生"} <= f.keys()


def _doc(no, terms, day=None, **kw):
    return Doc(no, f"a{no}", {t: 1.0 for t in terms.split()}, day, **kw)


PARAMS = StoryParams(threshold=0.5, prior_docs=10.0)


def test_no_chaining_an_article_joins_a_story_only_if_like_the_whole_story():
    book = StoryBook(PARAMS)
    a = _doc(0, "alpha beta gamma delta")
    b = _doc(1, "alpha beta gamma delta epsilon zeta")
    c = _doc(2, "epsilon zeta eta theta iota kappa")  # like b's tail, not like {a, b}
    ids = book.add_all([a, b, c])
    assert ids == ["story-a0", "story-a0", "story-a2"]


def _placed(book, no, vector, day=None, **kw):
    d = Doc(no, f"a{no}", {}, day, **kw)
    d.vector = vector
    return book.place(d)


def test_distant_dates_raise_the_bar_and_copies_and_passages_decide():
    day = dt.date(2024, 5, 1)
    p = StoryParams(threshold=0.5, day_penalty=0.01, max_date_penalty=0.15, min_shared_terms=1)
    book = StoryBook(p)
    assert _placed(book, 0, {"a": 1.0}, day) == "story-a0"
    near = {"a": 0.6, "b": 0.8}  # cosine 0.6 with the story
    assert _placed(book, 1, near, day + dt.timedelta(days=5)) == "story-a0"  # 0.6 - 0.05 passes
    assert _placed(book, 2, {"a": 0.6, "c": 0.8}, day + dt.timedelta(days=40)) == "story-a2"  # 0.6 - 0.15 fails
    assert _placed(book, 3, {"z": 1.0}, day + dt.timedelta(days=400), copies=[0]) == "story-a0"  # a copy follows
    assert _placed(book, 4, {"c": 0.6, "y": 0.8}, day + dt.timedelta(days=90), passages=[2]) == "story-a2"  # 0.64, no penalty
    # ... only with enough likeness: passage_bonus lowers the bar, it does not remove it
    assert _placed(book, 5, {"x": 1.0}, day, passages=[0]) == "story-a5"


def test_ids_are_the_first_articles_and_order_within_ties_is_fixed():
    docs = [_doc(i, "alpha beta gamma delta") for i in range(3)]
    assert StoryBook(PARAMS).add_all(docs) == ["story-a0"] * 3
