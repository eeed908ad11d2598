"""The helpers of bench/stories_alternatives.py: the figures it prints are only as good as these."""
from __future__ import annotations

import sys
from pathlib import Path

from flows.dedup.stories import Doc, Story, StoryParams

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import stories_alternatives as alt  # noqa: E402


def test_cv_blend_chooses_threshold_and_weight_on_the_other_folds():
    # fold 0 and fold 1 each separable at 0.5 by ``a`` alone; ``b`` is noise
    a = [0.9, 0.8, 0.2, 0.1, 0.9, 0.8, 0.3, 0.1]
    b = [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0]
    y = [1, 1, 0, 0, 1, 1, 0, 0]
    folds = [0, 0, 0, 0, 1, 1, 1, 1]
    agree, chosen = alt.cv_blend(a, b, y, folds, (0.0, 1.0), k=2)
    assert agree == 1.0 and chosen == [0.0, 0.0]
    # a threshold chosen on one fold is applied to the other: here it does not carry over
    agree, _ = alt.cv_blend([0.9, 0.8, 0.2, 0.1, 0.3, 0.25, 0.1, 0.05], b, y, folds, (0.0,), k=2)
    assert agree < 1.0


def test_merged_keeps_the_heaviest_form_and_numbers_as_written():
    words = {"свердловская": 2.0, "свердловской": 3.0, "2024": 1.5, "области": 1.0}
    got = alt.merged(words, lambda t: t[:5])
    assert got == {"сверд": 3.0, "2024": 1.5, "облас": 1.0}


def test_title_numbers_are_marker_terms_no_word_can_be():
    assert alt.title_numbers("Прогноз погоды на 8 ноября, 12-й день") == ["#8", "#12-й"]
    assert alt.title_numbers(None) == [] and alt.title_numbers("Без чисел") == []


def test_number_conflict_penalty_only_when_both_have_numbers_and_share_none():
    book = alt.NumberConflictBook(StoryParams())
    story = Story("s", {"погод": 1.0, "#18": 1.0})
    story.norm = 2 ** 0.5
    doc = Doc(0, "a", {}, vector={"погод": 2 ** -0.5, "#8": 2 ** -0.5})
    plain = book.score(doc, story)
    try:
        alt.NumberConflictBook.penalty = 0.2
        assert abs(book.score(doc, story) - (plain - 0.2)) < 1e-12
        same = Doc(1, "b", {}, vector={"погод": 2 ** -0.5, "#18": 2 ** -0.5})
        assert book.score(same, story) > plain  # a shared number: no penalty
        none = Doc(2, "c", {}, vector={"погод": 1.0})
        assert abs(book.score(none, story) - 0.5 ** 0.5) < 1e-12  # no title number: no penalty
    finally:
        alt.NumberConflictBook.penalty = 0.0
