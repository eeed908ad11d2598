"""The helpers of bench/stories_classical.py: its figures are only as good as these."""
from __future__ import annotations

import math
import sys
from pathlib import Path

from flows.dedup.stories import Doc, StoryBook, StoryParams
from flows.dedup.story_features import features

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import stories_classical as cl  # noqa: E402

TEXTS = [
    ("Землетрясение в Чили", "Землетрясение магнитудой 6,1 произошло в Чили. Погибли 3 человека. Чили пострадала."),
    ("В Чили произошло землетрясение", "Сильное землетрясение в Чили: 3 погибших, магнитуда 6,1."),
    ("Прогноз погоды на 8 ноября", "В Амурской области 8 ноября ожидается слабый снег, ветер умеренный."),
    ("Прогноз погоды на 18 ноября", "В Амурской области 18 ноября облачно, снег, ветер северный."),
    (None, "Quake hits Chile: 3 dead, magnitude 6.1, Chile says."),
]


def test_vectors_give_the_shipped_cosines():
    """The bench's own vectoriser (unnormalised, for its variants) is StoryBook.vectorise on the same features."""
    feats = [features(t, x)[0] for t, x in TEXTS]
    for keep in (60, 3):
        book = StoryBook(StoryParams(doc_terms=keep))
        docs = [Doc(i, f"a{i}", f) for i, f in enumerate(feats)]
        book.vectorise(docs)
        mine = cl.Vectors(feats, keep=keep)
        for i in range(len(docs)):
            for j in range(len(docs)):
                shipped = sum(w * docs[j].vector.get(t, 0.0) for t, w in docs[i].vector.items())
                assert math.isclose(mine.cosine(i, j), shipped, abs_tol=1e-12)


def test_word_features_with_the_shipped_shape_are_the_shipped_features():
    shipped = features(*TEXTS[0])[0]
    assert cl.word_features(*TEXTS[0]) == shipped
    same = cl.word_features(*TEXTS[0], tf=lambda c, n: 1.0 + math.log(c))
    assert same.keys() == shipped.keys() and all(math.isclose(same[t], shipped[t]) for t in shipped)
    binary = cl.word_features(*TEXTS[0], tf=lambda c, n: 1.0)
    assert binary["чили"] < shipped["чили"]  # written three times: its count no longer counts


def test_char_grams_are_boundary_marked_and_keep_numbers_whole():
    g = cl.char_grams(None, "сахар 2024", sizes=(3,), combine="max")
    assert {"<са", "сах", "аха", "хар", "ар>", "2024"} == g.keys()
    s = cl.char_grams(None, "сахар сахара", sizes=(3,), combine="sum")
    m = cl.char_grams(None, "сахар сахара", sizes=(3,), combine="max")
    assert s["сах"] == 2 * m["сах"] and s["ра>"] == m["ра>"]  # two words hold сах, one holds ра>


def test_cv_family_chooses_the_signal_on_the_other_folds():
    term = [0.5] * 8
    good = [1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    noise = [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0]
    y = [1, 1, 0, 0, 1, 1, 0, 0]
    folds = [0, 0, 0, 0, 1, 1, 1, 1]
    agree, chosen = cl.cv_family(term, {"good": good, "noise": noise}, y, folds, weights=(1.0,), k=2)
    assert agree == 1.0 and all(c.startswith("good") for c in chosen)


def test_rarest_terms_are_counted_at_arrival():
    feats = [{"a": 1.0, "b": 1.0}, {"a": 1.0, "c": 1.0}, {"a": 1.0, "c": 1.0, "d": 1.0}]
    vec = cl.Vectors(feats)
    assert vec.df_at[1] == {"a": 2, "c": 1} and vec.df_at[2] == {"a": 3, "c": 2, "d": 1}
    # the last article's 2 rarest: d (1), c (2); the second's: c (1), a (2); shared c and a
    assert cl.rare_overlap(vec, feats, 1, 2, 2, "min") == 0.5 and cl.rare_overlap(vec, feats, 1, 2, 2, "max") == 1.0


def test_neighbourhood_before_an_article_is_empty_for_the_first():
    feats = [features(t, x)[0] for t, x in TEXTS]
    vec = cl.Vectors(feats)
    r = cl.neighbourhood(vec, 1, earlier=True)
    assert r[0] == 0.0 and math.isclose(r[1], vec.cosine(0, 1))
    everyone = cl.neighbourhood(vec, 1, earlier=False)
    assert math.isclose(everyone[0], max(vec.cosine(0, j) for j in range(1, len(feats))))
