"""Signatures computed in the cleaning workers (a share of the batch each) equal the batch's own, array for array."""
from __future__ import annotations

import numpy as np

from flows.clean import Cleaner
from flows.dedup.signatures import compute_signatures, fingerprint_key, signatures_from_parts
from flows.records import Article, RawDocument
from flows.settings import Settings

FIELDS = ("text_hashes", "shingles", "doc_offsets", "para_hashes", "para_offsets", "doc_para_offsets", "minhash",
          "n_tokens")
TEXTS = ["Alpha beta gamma delta epsilon zeta eta theta.\n\nIota kappa lambda mu nu xi omicron pi.",
         "Rho sigma tau upsilon phi chi psi omega.\n\nShort one.\n\nThird paragraph with more words in it.",
         "Berlin and Paris met in Rome on Monday; talks went on.",
         "Ёлки и палки: «кавычки» — тире…\n\nВторой абзац, с числами 12 345."]


def _same(a, b) -> None:
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    assert a.article_ids == b.article_ids and a.story_feats == b.story_feats
    assert np.array_equal(a.band_keys(), b.band_keys())
    assert all(np.array_equal(x, y) for x, y in zip(a.anchors(), b.anchors()))


def _articles(order, titles) -> list[Article]:
    return [Article(f"a{i}", f"r{i}", f"/x/{i}", None, titles[i], None, None, "en", TEXTS[j], len(TEXTS[j].split()))
            for i, j in enumerate(order)]


def test_parts_signed_one_by_one_equal_the_batch_signed_at_once(tmp_path):
    settings = Settings(db_path=str(tmp_path / "n.duckdb"))
    arts = _articles([0, 1, 0, 2, 3, 1, 0], [None, "Talks", "Talks", None, "Ёлки", "Other", None])
    whole = compute_signatures(arts, settings)
    # shares signed apart (as the workers do), some articles missing (cleaned in process, or reused)
    first, second = compute_signatures(arts[2:4], settings), compute_signatures(arts[:2], settings)
    parts = {fingerprint_key(a): (first, i) for i, a in enumerate(arts[2:4])}
    parts.update({fingerprint_key(a): (second, i) for i, a in enumerate(arts[:2])})
    _same(signatures_from_parts(arts, parts, settings), whole)
    one_by_one = {fingerprint_key(a): (compute_signatures([a], settings), 0) for a in arts}
    _same(signatures_from_parts(arts, one_by_one, settings), whole)
    _same(signatures_from_parts(arts, {}, settings), whole)
    _same(signatures_from_parts(arts[3:4], parts, settings), compute_signatures(arts[3:4], settings))


def test_take_selects_articles_in_any_order_with_repeats(tmp_path):
    settings = Settings(db_path=str(tmp_path / "n.duckdb"))
    arts = _articles([0, 1, 2, 3], ["A", "B", None, "D"])
    whole = compute_signatures(arts, settings)
    rows = [3, 0, 0, 2]
    _same(whole.take(rows), compute_signatures([arts[i] for i in rows], settings))


def _cleaned_and_signed(settings: Settings, desks: int) -> tuple[list[Article], dict, Cleaner]:
    """240 small dumps (cleaned in the workers, ``desks`` distinct bylines), with the fingerprints
    the workers computed."""
    docs = [RawDocument(source=f"/d/{i}.txt", kind="text", content=(t + f"\n\nBy the desk {i % desks}.").encode())
            for i, t in enumerate(TEXTS * 60)]
    cleaner = Cleaner(settings, reuse_copies=False, sign=True)
    try:
        out = cleaner.clean(docs)
        prints = cleaner.take_fingerprints(out)
    finally:
        cleaner.close()
    return [a for a in out if isinstance(a, Article)], prints, cleaner


def test_cleaning_workers_sign_what_they_clean(tmp_path):
    settings = Settings(db_path=str(tmp_path / "n.duckdb"), workers=2)
    articles, prints, cleaner = _cleaned_and_signed(settings, desks=240)
    assert articles and len(prints) == len({fingerprint_key(a) for a in articles})
    assert not cleaner.fingerprints  # taken: nothing kept past its batch
    _same(signatures_from_parts(articles, prints, settings), compute_signatures(articles, settings))


def test_a_batch_that_lost_articles_keeps_the_workers_signatures(tmp_path):
    """Articles another writer stored meanwhile (or repeated ones) leave the batch: the rest keep
    their precomputed signatures (the same arrays as signing them anew); only a missing one signs."""
    from flows.dedup.batch import _signatures_of

    settings = Settings(db_path=str(tmp_path / "n.duckdb"))
    arts = _articles([0, 1, 2, 3], ["A", "B", None, "D"])
    whole = compute_signatures(arts, settings)
    kept = [arts[3], arts[1]]
    _same(_signatures_of(kept, whole, settings), compute_signatures(kept, settings))
    assert _signatures_of(arts, whole, settings) is whole
    extra = _articles([2], ["New"])[0]
    extra.article_id = "new"
    _same(_signatures_of([arts[0], extra], whole, settings), compute_signatures([arts[0], extra], settings))


def test_signing_in_a_worker_does_not_import_pandas():
    """A cleaning worker signs with numpy, Arrow and rensa; ``pa.array`` would import pandas (50 MB a
    worker) to ask whether it was given a pandas object, so the story features are built from buffers."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from flows.clean import warm_worker, _worker_task\n"
            "from flows.settings import Settings\n"
            "from tests.dedup.test_worker_signatures import _articles\n"
            "warm_worker()\n"
            "arts = _articles([0, 1, 0, 2, 3], ['T', None, 'T', 'Rome', 'Ёлки'])\n"
            "signed = _worker_task(arts, Settings(db_path='unused.duckdb'))\n"
            "assert len(signed) == 5 and signed.story_feats.take([4, 0, 0]).to_pairs()[1:] == "
            "[signed.story_feats[0]] * 2\n"
            "print('pandas' in sys.modules)\n")
    from tests_support import ROOT

    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "False"


def test_string_array_equals_arrows_own():
    import pyarrow as pa

    from flows.dedup.signatures import string_array

    for values in ([], [""], ["a", "", "ёлки", "東京", "x" * 1000]):
        assert string_array(values).equals(pa.array(values, pa.string()))


def test_a_batch_is_signed_in_bounded_shares_with_copies_together(tmp_path, monkeypatch):
    """Shares of at most about SIGN_SHARE_MAX articles (a worker's signing memory), at least one per
    worker, every article once, the copies of one text in one share; the workers' signatures of
    many small shares equal the batch signed at once."""
    import flows.clean as clean
    from flows.clean import sign_shares

    arts = _articles([i % 4 for i in range(100)], [None] * 100)
    for a in arts[::7]:
        a.text += f" Unique {a.article_id}."
    shares = sign_shares(arts, 2)
    assert len(shares) == 2 and sorted(a.article_id for s in shares for a in s) == sorted(a.article_id for a in arts)
    monkeypatch.setattr(clean, "SIGN_SHARE_MAX", 10)
    shares = sign_shares(arts, 2)
    assert len(shares) > 5
    assert sorted(a.article_id for s in shares for a in s) == sorted(a.article_id for a in arts)
    home = {}
    for n, share in enumerate(shares):
        for a in share:
            assert home.setdefault(a.text, n) == n  # a text's copies share its share
    assert sign_shares([], 2) == []

    settings = Settings(db_path=str(tmp_path / "n.duckdb"), workers=2)
    articles, prints, _ = _cleaned_and_signed(settings, desks=50)  # copies among them
    assert len({id(p[0]) for p in prints.values()}) > 5  # signed in many shares
    _same(signatures_from_parts(articles, prints, settings), compute_signatures(articles, settings))
