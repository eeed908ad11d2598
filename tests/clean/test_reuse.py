"""Copies cost nothing twice: the same bytes (and URL and hints) are cleaned once per run."""
from __future__ import annotations

from flows.clean import clean_in_process
from flows.clean.reuse import CleanMemo, clean_distinct
from flows.records import Article, RawDocument
from flows.settings import SAMPLES_DIR, Settings

SETTINGS = Settings()
SEED = sorted(SAMPLES_DIR.glob("*.txt"))


def counting_cleaner():
    seen: list[str] = []

    def clean(docs, progress=None):
        seen.extend(d.source for d in docs)
        return clean_in_process(docs, SETTINGS, progress)

    return clean, seen


def doc(path, source: str, **extra) -> RawDocument:
    return RawDocument(source=source, kind="text", content=path.read_bytes(), **extra)


def test_copies_in_a_batch_and_in_later_batches_are_cleaned_once_and_keep_their_own_rows():
    memo = CleanMemo()
    clean, seen = counting_cleaner()
    batch = [doc(SEED[0], "/a/0.txt"), doc(SEED[0], "/b/0.txt"), doc(SEED[1], "/a/1.txt"), doc(SEED[0], "/c/0.txt")]
    out = clean_distinct(batch, memo, clean)
    assert seen == ["/a/0.txt", "/a/1.txt"]
    fresh = clean_in_process(batch, SETTINGS)  # what cleaning each one gives
    assert out == fresh
    assert [a.raw_id for a in out] == [d.raw_id for d in batch] == [a.article_id for a in out]
    assert len({a.raw_id for a in out}) == 4

    later = [doc(SEED[1], "/d/1.txt"), doc(SEED[2], "/d/2.txt")]
    progressed = []
    out = clean_distinct(later, memo, clean, progressed.append)
    assert seen[2:] == ["/d/2.txt"]
    assert out == clean_in_process(later, SETTINGS)
    assert sum(progressed) == 2
    assert memo.reused == 3


def test_what_cleaning_reads_besides_the_bytes_is_part_of_the_key():
    """The URL and the source's hints (title, date) change the result: no reuse across them."""
    memo = CleanMemo()
    clean, seen = counting_cleaner()
    batch = [doc(SEED[0], "/a.txt"), doc(SEED[0], "/b.txt", url="https://x.example/a"),
             doc(SEED[0], "/c.txt", hints={"title": "Another title"}), doc(SEED[0], "/d.txt", hints={"title": "Another title"})]
    out = clean_distinct(batch, memo, clean)
    assert seen == ["/a.txt", "/b.txt", "/c.txt"]
    assert out == clean_in_process(batch, SETTINGS)
    assert out[1].url == "https://x.example/a" and out[0].url is None
    assert out[3].title == "Another title"


def test_results_are_copies_the_checks_can_change_and_the_budget_only_costs_reuse():
    memo = CleanMemo(max_bytes=1)  # nothing kept across batches
    clean, seen = counting_cleaner()
    first = clean_distinct([doc(SEED[0], "/a.txt"), doc(SEED[0], "/b.txt")], memo, clean)
    assert isinstance(first[0], Article)
    first[0].warnings = ["clean.title_present"]  # what the checks do
    assert first[1].warnings == []
    again = clean_distinct([doc(SEED[0], "/c.txt")], memo, clean)
    assert seen == ["/a.txt", "/c.txt"]
    assert again[0].warnings == []


def test_the_memo_keeps_the_batches_not_committed_yet():
    """Results older than the last two batches are dropped (the database gives them back)."""
    memo = CleanMemo()
    clean, seen = counting_cleaner()
    memo.next_batch(keep_batches=2)
    clean_distinct([doc(SEED[0], "/a.txt")], memo, clean)
    memo.next_batch(keep_batches=2)
    clean_distinct([doc(SEED[1], "/b.txt")], memo, clean)
    memo.next_batch(keep_batches=2)  # the first batch's result is still kept: it may not be committed
    clean_distinct([doc(SEED[0], "/c.txt"), doc(SEED[1], "/d.txt")], memo, clean)
    assert seen == ["/a.txt", "/b.txt"]
    memo.next_batch(keep_batches=2)
    memo.next_batch(keep_batches=2)  # now both are two batches back and more
    clean_distinct([doc(SEED[0], "/e.txt")], memo, clean)
    assert seen == ["/a.txt", "/b.txt", "/e.txt"]


def test_a_copy_gets_the_compressed_raw_bytes_when_its_batch_is_cleaned_in_workers():
    """Whether raw bytes are stored compressed must not depend on a copy being reused."""
    from flows.records import unpack

    memo = CleanMemo()
    big = SEED[0].read_bytes() * 4  # over PACK_MIN_BYTES
    docs = [RawDocument(source=f"/{i}.txt", kind="text", content=big) for i in range(3)]
    clean_distinct(docs[:1], memo, lambda d, p=None: clean_in_process(d, SETTINGS, p), pack=False)
    assert docs[0].packed is None  # cleaned in this process: stored as it is
    clean_distinct(docs[1:], memo, lambda d, p=None: clean_in_process(d, SETTINGS, p), pack=True)
    assert all(unpack(d.packed, "zstd", len(big)) == big for d in docs[1:])


def test_code_version_changes_with_the_cleaner(tmp_path, monkeypatch):
    """Stored articles are reused only by the cleaner that made them: any edit under
    flows/clean/ (code, tuned rules, models) gives another code_version."""
    import shutil

    from flows import version

    copy = tmp_path / "clean"
    shutil.copytree(version.CLEAN_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(version, "CLEAN_DIR", copy)
    version.cleaner_fingerprint.cache_clear()
    before = version.cleaner_fingerprint()
    (copy / "tuned.json").write_text((copy / "tuned.json").read_text() + "\n")
    version.cleaner_fingerprint.cache_clear()
    after = version.cleaner_fingerprint()
    version.cleaner_fingerprint.cache_clear()
    assert before != after and len(before) == len(after) == 12
