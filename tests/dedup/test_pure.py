"""The pure dedup parts on their own, without DuckDB: verification, signatures, canonical order, components."""
from __future__ import annotations

import datetime as dt

import numpy as np

from flows.dedup.canonical import canonical_key
from flows.dedup.signatures import compute_signatures
from flows.dedup.unionfind import UnionFind
from flows.dedup.verify import PASSAGE_MIN_SHINGLES, DocData, content_sets, template_paragraphs, verify_pair
from flows.records import Article
from flows.settings import Settings


def doc(no: int, shingles, para_lens=None, para_hashes=None, text_hash=None) -> DocData:
    sh = np.asarray(shingles, dtype=np.uint32)
    lens = para_lens or [len(sh)]
    return DocData(doc_no=no, article_id=f"a{no}", text_hash=no if text_hash is None else text_hash, shingles=sh,
                   para_ends=np.cumsum(lens).astype(np.uint32),
                   para_hashes=np.asarray(para_hashes or list(range(100 * no, 100 * no + len(lens))), np.int64))


def test_same_text_hash_is_an_exact_copy():
    r = verify_pair(doc(1, range(50), text_hash=7), doc(2, range(50), text_hash=7), {}, 0.8)
    assert (r.kind, r.is_copy, r.similarity) == ("exact", True, 1.0)


def test_a_trimmed_copy_is_near_by_containment_not_jaccard():
    whole, trimmed = doc(1, range(300)), doc(2, range(200))  # two thirds of it: Jaccard 0.67
    r = verify_pair(whole, trimmed, {}, 0.8)
    assert r.kind == "near" and r.is_copy and r.similarity == 1.0 and r.jaccard < 0.7


def test_a_short_text_inside_a_long_one_is_no_copy_but_shares_a_passage():
    r = verify_pair(doc(1, range(1000)), doc(2, range(50)), {}, 0.8)  # contained, but a twentieth of the length
    assert r.kind == "passage" and not r.is_copy and r.shared == 50


def test_unrelated_texts_share_nothing():
    r = verify_pair(doc(1, range(100)), doc(2, range(1000, 1000 + PASSAGE_MIN_SHINGLES - 1)), {}, 0.8)
    assert (r.kind, r.is_copy, r.shared) == ("none", False, 0)


def test_a_frequent_paragraph_is_template_text_and_left_out():
    para_hashes = np.array([1, 2, 3, 99], dtype=np.int64)  # 99: a disclaimer held by 50 articles
    df = {1: 1, 2: 1, 3: 1, 99: 50}
    assert template_paragraphs(para_hashes, df).tolist() == [False, False, False, True]
    shingles = np.arange(40, dtype=np.uint32)
    all_set, content, n_template = content_sets(shingles, np.array([10, 20, 30, 40], np.uint32), para_hashes, df)
    assert len(all_set) == 40 and content.tolist() == list(range(30)) and n_template == 10


def test_a_syndicated_story_is_not_template_text():
    """Every paragraph as frequent as the others: the article's own text, repeated."""
    assert not template_paragraphs(np.array([1, 2, 3], np.int64), {1: 30, 2: 30, 3: 30}).any()


def _article(key: str, text: str) -> Article:
    return Article(article_id=key, raw_id=key, source=f"/t/{key}", url=None, title=None, author=None,
                   published_date=None, language="en", text=text, word_count=len(text.split()))


def test_signatures_tell_exact_copies_and_keep_near_copies_in_a_band():
    base = " ".join(f"word{i} marker{i % 7}" for i in range(200))
    texts = {"a": base, "b": "  " + base.upper() + " ", "c": base + " one more closing sentence here", "d": "other " * 300}
    sigs = compute_signatures([_article(k, t) for k, t in texts.items()], Settings())
    assert len(sigs) == 4 and sigs.minhash.shape == (4, Settings().num_perm)
    assert sigs.text_hashes[0] == sigs.text_hashes[1] != sigs.text_hashes[2]
    bands = sigs.band_keys()
    assert set(bands[0].tolist()) & set(bands[2].tolist())  # a near copy shares at least one LSH band
    assert not set(bands[0].tolist()) & set(bands[3].tolist())
    again = compute_signatures([_article(k, t) for k, t in texts.items()], Settings())
    assert np.array_equal(again.minhash, sigs.minhash)  # deterministic across calls


def test_canonical_is_the_earliest_published_then_ingested_then_id():
    t = dt.datetime(2026, 1, 2, 8, 0, tzinfo=dt.timezone.utc)
    keys = {
        "late": canonical_key("late", dt.date(2026, 1, 3), t),
        "early": canonical_key("e1", dt.date(2026, 1, 1), t + dt.timedelta(days=5)),
        "undated": canonical_key("undated", None, t - dt.timedelta(days=9)),
        "same-day-later-id": canonical_key("zz", dt.date(2026, 1, 1), t + dt.timedelta(days=5)),
    }
    assert sorted(keys, key=keys.get) == ["early", "same-day-later-id", "late", "undated"]
    naive = canonical_key("x", None, t.replace(tzinfo=None))
    assert naive == canonical_key("x", None, t)  # a naive timestamp is UTC


def test_union_find_components_are_rooted_at_the_smallest_number():
    uf = UnionFind()
    for a, b in [(5, 3), (3, 9), (7, 8)]:
        uf.union(a, b)
    comps = uf.components([3, 5, 7, 8, 9, 11])
    assert comps == {3: [3, 5, 9], 7: [7, 8], 11: [11]}


def test_copies_in_a_batch_are_signed_once_with_the_same_arrays(tmp_path):
    """A text repeated in a batch is shingled once; the batch's arrays equal signing every text."""
    from flows.dedup.signatures import _compute

    texts = ["Alpha beta gamma delta epsilon zeta eta theta.\n\nIota kappa lambda mu nu xi omicron pi.",
             "Rho sigma tau upsilon phi chi psi omega.\n\nShort one.\n\nThird paragraph with more words in it.",
             "Berlin and Paris met in Rome on Monday; talks went on."]
    order = [0, 1, 0, 2, 1, 0, 0]
    titles = [None, "Talks in Rome", "Talks in Rome", None, "Other", "Third title", None]
    arts = [Article(f"a{i}", f"r{i}", f"/x/{i}", None, titles[i], None, None, "en", texts[j], len(texts[j].split()))
            for i, j in enumerate(order)]
    settings = Settings(db_path=str(tmp_path / "n.duckdb"))
    once, every = compute_signatures(arts, settings), _compute(arts, settings)
    for name in ("text_hashes", "shingles", "doc_offsets", "para_hashes", "para_offsets", "doc_para_offsets",
                 "minhash", "n_tokens"):
        a, b = getattr(once, name), getattr(every, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert once.story_feats == every.story_feats and once.article_ids == every.article_ids
    assert np.array_equal(once.band_keys(), every.band_keys())
    assert all(np.array_equal(x, y) for x, y in zip(once.anchors(), every.anchors()))
