"""Tokens and fingerprints: what counts as the same text."""
from __future__ import annotations

import numpy as np

from flows.dedup import compute_signatures
from flows.dedup.normalise import tokenise_batch
from flows.settings import Settings

from .conftest import make_article


def test_case_whitespace_punctuation_and_quotes_do_not_matter():
    a = "Russia's top diplomat said: \"No.\"\n\nIt was Friday."
    b = "RUSSIA’S  top diplomat said — “no” \n\n  it was friday!"
    ta, tb = tokenise_batch([a]), tokenise_batch([b])
    assert np.array_equal(ta.tokens, tb.tokens)
    sigs = compute_signatures([make_article("a", a), make_article("b", b)], Settings())
    assert sigs.text_hashes[0] == sigs.text_hashes[1]
    assert np.array_equal(sigs.minhash[0], sigs.minhash[1])


def test_paragraphs_and_texts_are_kept_apart():
    tb = tokenise_batch(["one two three\n\nfour five", "", "six\nseven"])
    assert list(tb.para_lens) == [3, 2, 2]
    assert list(tb.doc_paras) == [2, 0, 1]  # a single newline is not a paragraph break


def test_shingles_never_span_paragraphs():
    s = Settings()
    joined = compute_signatures([make_article("a", "a b c d e f g h i j")], s)
    split = compute_signatures([make_article("a", "a b c d e\n\nf g h i j")], s)
    assert len(joined.shingles) == 6 and len(split.shingles) == 2
    assert not set(split.shingles.tolist()) - set(joined.shingles.tolist()) - {split.shingles[0], split.shingles[1]}


def test_fingerprints_are_deterministic_and_batch_independent(dev_bodies):
    texts = list(dev_bodies.values())[:6]
    arts = [make_article(str(i), t) for i, t in enumerate(texts)]
    together = compute_signatures(arts, Settings())
    alone = compute_signatures(arts[3:4], Settings())
    assert np.array_equal(together.minhash[3], alone.minhash[0])
    assert np.array_equal(together.band_keys()[3], alone.band_keys()[0])
    assert np.array_equal(together.doc_shingles(3), alone.doc_shingles(0))
    assert together.minhash.shape == (6, Settings().num_perm)


def test_signatures_of_chunks_concatenate_to_the_batch(dev_bodies):
    """Workers may compute chunks; the concatenation equals computing the batch at once."""
    from flows.dedup import BatchSignatures

    arts = [make_article(str(i), t) for i, t in enumerate(list(dev_bodies.values())[:7])]
    s = Settings()
    whole = compute_signatures(arts, s)
    parts = BatchSignatures.concat([compute_signatures(arts[:3], s), compute_signatures(arts[3:], s)])
    for name in ("text_hashes", "shingles", "doc_offsets", "para_hashes", "para_offsets", "doc_para_offsets",
                 "minhash", "n_tokens"):
        assert np.array_equal(getattr(whole, name), getattr(parts, name)), name
    assert whole.article_ids == parts.article_ids and whole.story_feats == parts.story_feats
    assert np.array_equal(whole.band_keys(), parts.band_keys())
    assert all(np.array_equal(x, y) for x, y in zip(whole.anchors(), parts.anchors()))
