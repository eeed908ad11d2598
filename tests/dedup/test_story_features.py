"""Story features and the in-memory clustering: names, numbers, titles in any cased script; no chaining."""
from __future__ import annotations

import datetime as dt

import pytest

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


def test_candidates_are_the_stories_in_enough_of_the_term_sets():
    import random
    from collections import Counter

    from flows.dedup.stories import _in_at_least

    rnd = random.Random(3)
    for _ in range(200):
        sets = [set(rnd.sample(range(40), rnd.randrange(0, 15))) for _ in range(rnd.randrange(0, 10))]
        counts = Counter(x for s in sets for x in s)
        for m in (1, 2, 3, 4):
            assert _in_at_least(sets, m) == {x for x, c in counts.items() if c >= m}


def _vectors_one_at_a_time(docs, params, df=None, n_docs=0):
    """The definition the batch code must meet: each article weighed with the frequencies of the
    articles before it and itself (copies not counted), heaviest ``doc_terms`` kept, ties in feature order."""
    import math
    from collections import Counter

    df = Counter(df or {})
    out = []
    for d in docs:
        if not d.copies:
            df.update(d.feats.keys())
            n_docs += 1
        raw = [(t, w * (math.log(n_docs + params.prior_docs) - math.log(df[t] + 1.0))) for t, w in d.feats.items()]
        kept = [(t, w) for t, w in sorted(raw, key=lambda tw: -tw[1])[:params.doc_terms] if w > 0]
        norm = math.sqrt(sum(w * w for _, w in kept)) or 1.0
        out.append({t: w / norm for t, w in kept})
    return out, df


@pytest.mark.parametrize("grid_cells", [4_000_000, 0])  # each article's heaviest terms picked by grid, or by sorting all
def test_batch_vectors_equal_one_article_at_a_time_ties_and_copies_included(monkeypatch, grid_cells):
    import random

    from flows.dedup import stories

    monkeypatch.setattr(stories, "_GRID_CELLS", grid_cells)
    rnd = random.Random(5)
    vocab = [f"w{i}" for i in range(60)]
    p = StoryParams(doc_terms=8)
    stored = {"w1": 3, "w2": 1}
    docs = []
    for i in range(40):  # many equal weights: ties at the doc_terms boundary
        feats = {t: rnd.choice([1.0, 1.0, 2.0, 4.0]) for t in rnd.sample(vocab, rnd.randrange(0, 20))}
        docs.append(Doc(i, f"a{i}", feats, copies=[0] if i % 7 == 3 else []))
    want, df = _vectors_one_at_a_time(docs, p, stored, 5)
    book = StoryBook(p, 5)
    book.vectorise(docs[:13], lambda terms: {t: stored[t] for t in terms if t in stored})
    book.vectorise(docs[13:], lambda terms: {t: stored[t] for t in terms if t in stored})
    for d, v in zip(docs, want):
        assert list(d.vector.items()) == list(v.items())  # same terms, same order, same floats
    assert {t: n for t, n in book.df.items() if n} == {t: n for t, n in df.items() if n}
    assert book.df_added() == {t: n - stored.get(t, 0) for t, n in df.items() if n != stored.get(t, 0)}


def test_columnar_features_keep_every_article_s_terms_in_order_through_take_concat_and_pickle():
    import pickle

    from flows.dedup.signatures import StoryFeatures

    pairs = [({"b": 1.0, "a": 2.5, "пхеньян": 4.0}, 2), ({}, 0), ({"東京": 1.0, "#12": 1.5}, 1)]
    cols = StoryFeatures.from_pairs(pairs)
    assert len(cols) == 3 and cols.to_pairs() == pairs
    assert list(cols[0][0]) == ["b", "a", "пхеньян"]  # order kept: it breaks weight ties
    assert cols.take([2, 0, 2]).to_pairs() == [pairs[2], pairs[0], pairs[2]]
    assert cols.take([]).to_pairs() == []
    both = StoryFeatures.concat([cols.take([1, 2]), cols.take([0])])
    assert both.to_pairs() == [pairs[1], pairs[2], pairs[0]] and both == StoryFeatures.concat([both])
    assert pickle.loads(pickle.dumps(cols)) == cols
    assert StoryFeatures.from_pairs([]).to_pairs() == []


def test_vectors_from_columnar_features_equal_those_from_each_article_s_dictionary():
    import random

    from flows.dedup.signatures import StoryFeatures

    rnd = random.Random(11)
    vocab = [f"w{i}" for i in range(50)] + ["пхеньян", "東京", "#8"]
    p = StoryParams(doc_terms=6)
    feats = [{t: rnd.choice([1.0, 2.0, 2.5, 4.0]) for t in rnd.sample(vocab, rnd.randrange(0, 25))} for _ in range(30)]
    by_dict = [Doc(i, f"a{i}", f, copies=[1] if i % 5 == 4 else []) for i, f in enumerate(feats)]
    by_cols = [Doc(i, f"a{i}", {}, copies=[1] if i % 5 == 4 else []) for i in range(30)]
    one, two = StoryBook(p, 3), StoryBook(p, 3)
    stored = {"w3": 2, "東京": 1}
    fetch = lambda terms: {t: stored[t] for t in terms if t in stored}  # noqa: E731
    for a, b in ((0, 17), (17, 30)):
        one.vectorise(by_dict[a:b], fetch)
        two.vectorise(by_cols[a:b], fetch, StoryFeatures.from_pairs([(f, 0) for f in feats[a:b]]))
    for x, y in zip(by_dict, by_cols):
        assert list(x.vector.items()) == list(y.vector.items())
    assert one.df == two.df and one.df_added() == two.df_added() and one.n_docs == two.n_docs
