"""The learned line pass (flows/clean/blocks.py) and its training (bench/train_blocks.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from flows.clean import blocks
from flows.clean import html as H
from flows.clean.html import extract_html

from .test_html import PARAGRAPHS

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import train_blocks  # noqa: E402

COMMENT = "Great article, I have been taking that ferry for years and it is always late on Mondays"
CAPTION = "The new ferry at the landing stage in the old town"
PROMO = "Our harbour newsletter brings you the week's shipping news every Friday morning"


def _page() -> str:
    story = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<html><head><title>Ferry</title></head><body>
    <article><div class="article-body">{story}
    <figure><img src="f.jpg"><figcaption>{CAPTION}</figcaption></figure>
    <div class="promo-box"><p>{PROMO}</p></div></div></article>
    <section class="comments"><div class="comment-list"><p class="comment-text">{COMMENT}</p></div></section>
    <table><tr>
      <td>Route</td>
      <td>Minutes between boats</td>
    </tr></table>
    </body></html>"""


def _features(lines: list[str], page: str = "") -> list[dict[str, float]]:
    tree = H._parse(page or _page())
    top = H._main_container(tree)[0]
    vectors = blocks.line_features(lines, blocks.source_index(tree), top, lambda line: 0.0)
    return [dict(zip(blocks.FEATURES, v)) for v in vectors]


def test_lines_are_traced_back_to_their_markup():
    lines = [PARAGRAPHS[0], CAPTION, COMMENT, "| Route | Minutes between boats |"]
    story, caption, comment, row = _features(lines)
    assert story["in_main"] == 1 and story["tag_p"] == 1 and story["class_body"] == 1
    assert caption["tag_caption"] == 1 and caption["in_caption"] == 1
    assert comment["class_comment"] == 1 and comment["in_main"] == 0 and comment["after_main"] == 1
    assert row["tag_td"] == 1 and row["table_cell"] == 1
    assert all(len(f) == len(blocks.FEATURES) for f in (story, caption, comment, row))


def test_a_line_split_off_by_br_takes_the_markup_of_the_line_before():
    first, second = _features([COMMENT, "Second part of the same comment after a line break."])
    assert second["class_comment"] == 1 and second["found"] == 1


def test_text_features_do_not_depend_on_the_language():
    (ja,) = _features(["政府は火曜日、港のフェリー航路を拡大すると発表した。新しい航路は来春から運航される予定だ。"])
    assert ja["sentence_end"] == 1 and ja["short"] == 0


def _model(**weights: float) -> dict:
    vector = [weights.get(name, 0.0) for name in blocks.FEATURES]
    vector[0] = weights.get("bias", 2.0)
    return {"features": list(blocks.FEATURES), "weights": vector, "threshold": 0.5}


def test_keep_mask_never_drops_everything_or_most_of_the_text():
    long, short = "word " * 40, "tiny"
    drop_short = _model(log_chars=1.0, bias=-3.0)  # keeps long lines only
    assert blocks.keep_mask(_vectors([long, short]), drop_short, [long, short]) == [True, False]
    drop_all = _model(bias=-5.0)
    assert blocks.keep_mask(_vectors([long, short]), drop_all, [long, short]) == [True, True]
    # dropping more than half of the characters: the model is unsure about the page, all kept
    assert blocks.keep_mask(_vectors([short, long]), _model(log_chars=-1.0, bias=3.5), [short, long]) == [True, True]


def test_the_tail_is_cut_as_one_run_of_furniture():
    # article, article, then a run whose evidence against the article outweighs one prose-like line in it
    assert blocks.tail_start([0.99, 0.98, 0.1, 0.8, 0.1, 0.2], 0.5) == 2
    # a doubtful line inside the article is no tail: what follows it is article text
    assert blocks.tail_start([0.99, 0.3, 0.99, 0.98], 0.5) == 4
    # nothing below the threshold: no tail; the first line is never cut
    assert blocks.tail_start([0.9, 0.8], 0.5) == 2
    assert blocks.tail_start([0.01, 0.01], 0.5) == 1
    # the evidence is measured from the keep threshold
    assert blocks.tail_start([0.99, 0.3], 0.2) == 2 and blocks.tail_start([0.99, 0.3], 0.5) == 1


def test_keep_mask_drops_the_tail_only_when_the_model_says_so():
    lines = ["word " * 40, "word " * 40, "tiny", "word " * 12, "tiny"]
    vectors = [[1.0, 3.0], [1.0, 3.0], [1.0, -3.0], [1.0, 0.5], [1.0, -3.0]]
    model = {"weights": [0.0, 1.0], "threshold": 0.5}
    assert blocks.keep_mask(vectors, model, lines) == [True, True, False, True, False]
    assert blocks.keep_mask(vectors, {**model, "tail_cut": True}, lines) == [True, True, False, False, False]


def _vectors(lines: list[str]) -> list[list[float]]:
    return blocks.line_features(lines, {}, None, lambda line: 0.0)


def test_the_stage_drops_the_lines_the_model_rejects(monkeypatch):
    assert PROMO in extract_html(_page()).text
    monkeypatch.setattr(blocks, "model", lambda: _model(class_promo=-8.0))
    found = extract_html(_page())
    assert PARAGRAPHS[-1] in found.text
    assert PROMO not in found.text
    assert any(note.startswith("not article text (model)") for note in found.notes)


def test_the_shipped_model_matches_the_features():
    if not blocks.MODEL_FILE.exists():
        pytest.skip("no line model shipped")
    shipped = blocks.model()
    assert shipped is not None, "blocks.json was trained on other features: re-run bench/clean_eval.py --write-params"
    assert len(shipped["weights"]) == len(blocks.FEATURES) and 0 <= shipped["threshold"] < 1


def test_line_labels_follow_the_true_text():
    truth = "\n\n".join(PARAGRAPHS[:2])
    lines = [PARAGRAPHS[0], "Sign up for our newsletter today and never miss a story", "Ferry", "The city council"]
    assert train_blocks.line_labels(lines, truth) == [1, 0, 0, 1]


def test_training_learns_a_separable_signal_and_picks_a_threshold():
    article = [f"{p}" for p in PARAGRAPHS]
    pages = []
    for k in range(6):
        lines = article + [f"Comment {k}: me too", f"Reply {k}: same here"]
        vectors = _vectors(lines)
        for v in vectors[-2:]:
            v[blocks.FEATURES.index("class_comment")] = 1.0
        pages.append((lines, vectors, "\n\n".join(article)))

    def exact(texts, truths):
        return sum(t == g for t, g in zip(texts, truths)) / len(texts)

    chosen = train_blocks.fit(pages, exact, ["a", "a", "a", "b", "b", "b"])
    assert chosen["threshold"] > 0 or chosen["tail_cut"]
    assert all(train_blocks.apply(lines, vectors, chosen) == truth for lines, vectors, truth in pages)
