"""The raw suite on bad inputs as RawDocuments."""
from __future__ import annotations

import gzip
import random
import zlib

from flows.quality import check_raw
from flows.records import RawDocument

TEXT = ("The minister said on Friday that the talks had gone well and that both sides " * 5).encode()


def doc(content: bytes, name: str = "a.txt", **kw) -> RawDocument:
    return RawDocument(source=f"/data/{name}", kind=kw.pop("kind", "text"), content=content, **kw)


def results_by_name(outcome):
    return {r.check_name: r for r in outcome.results}


def test_good_documents_pass_every_check(settings):
    docs = [doc(TEXT, "a.txt"), doc(b"<html><body><p>" + TEXT + b"</p></body></html>", "b.html", kind="html")]
    outcome = check_raw(docs, settings, batch=0)
    assert outcome.rejected == {} and outcome.warnings == {}
    assert outcome.success
    assert {r.check_name for r in outcome.results} == {
        "readable", "not_empty", "size_within_limit", "not_binary", "decodable",
        "source_present", "known_kind", "raw_id_unique",
    }
    assert all(r.success and r.element_count == 2 and r.stage == "raw" and r.batch == 0 for r in outcome.results)


def test_bad_inputs_are_rejected_with_check_and_observed(settings):
    png = doc(b"\x89PNG\r\n\x1a\n" + bytes(200), "photo.txt")
    empty = doc(b"", "empty.txt")
    blank = doc(b"  \n\t \n", "blank.txt")
    # a truncated .gz: the reader records the error and keeps what it could read
    whole = gzip.compress(TEXT * 50)
    partial = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(whole[: len(whole) // 2])
    truncated = doc(partial, "cut.txt.gz", error="truncated gzip: Compressed file ended before the end-of-stream marker was reached")
    huge = doc(b"word " * (6 * 1024 * 1024), "huge.txt")  # 30 MB of text
    pdf_kind = doc(TEXT, "x.pdf", kind="pdf")
    no_source = RawDocument(source="", kind="text", content=TEXT)
    outcome = check_raw([png, empty, blank, truncated, huge, pdf_kind, no_source], settings, batch=3)
    rejected = outcome.rejected
    assert rejected[png.raw_id] == ("not_binary", "binary content (PNG image)")
    assert rejected[empty.raw_id] == ("not_empty", "empty document (0 bytes)")
    assert rejected[blank.raw_id] == ("not_empty", "only whitespace (6 bytes)")
    assert rejected[truncated.raw_id][0] == "readable"
    assert "truncated gzip" in rejected[truncated.raw_id][1]
    check, observed = rejected[huge.raw_id]
    assert check == "size_within_limit"
    assert observed == "size=31,457,280 bytes (30.0 MB) (max 8,388,608 bytes (8.0 MB))"
    assert rejected[pdf_kind.raw_id] == ("known_kind", "kind='pdf' (expected text|html)")
    assert rejected[no_source.raw_id] == ("source_present", "no source recorded")
    assert not outcome.success
    failed = {r.check_name for r in outcome.results if not r.success}
    assert failed == {"readable", "not_empty", "size_within_limit", "not_binary", "known_kind", "source_present"}
    size = results_by_name(outcome)["size_within_limit"]
    assert size.unexpected_count == 1 and size.element_count == 7 and "30.0 MB" in size.observed


def test_latin1_text_is_not_rejected(settings):
    latin = doc("Le café était très chaud à Montréal, déjà à l'aube. ".encode("latin-1") * 20, "latin.txt")
    cp1252 = doc("Smart “quotes” and – dashes — in Windows-1252 text. ".encode("cp1252") * 20, "win.txt")
    outcome = check_raw([latin, cp1252], settings)
    assert outcome.rejected == {}
    assert results_by_name(outcome)["decodable"].success


def test_undecodable_bytes_fail_decodable(settings):
    # no NULs and no control bytes, but no charset makes sense of it
    rng = random.Random(1)
    noise = doc(bytes(rng.randint(128, 255) for _ in range(4000)), "noise.txt")
    outcome = check_raw([noise], settings)
    assert outcome.rejected == {noise.raw_id: ("decodable", "not decodable as text (no charset fits)")}


def test_repeated_raw_id_is_a_warning_only(settings):
    a = doc(TEXT, "same.txt")
    b = doc(TEXT, "same.txt")
    outcome = check_raw([a, b], settings)
    assert outcome.rejected == {}
    assert outcome.warnings == {a.raw_id: ["raw_id_unique"]}
    unique = results_by_name(outcome)["raw_id_unique"]
    assert unique.severity == "warning" and not unique.success
    assert outcome.success  # warnings do not fail the stage


def test_empty_batch_needs_no_gx(settings):
    outcome = check_raw([], settings)
    assert outcome.rejected == {} and all(r.success and r.element_count == 0 for r in outcome.results)


def test_size_limit_follows_settings(settings):
    small = settings.with_(max_document_bytes=100)
    outcome = check_raw([doc(TEXT, "a.txt")], small)
    assert outcome.rejected[doc(TEXT, "a.txt").raw_id] == (
        "size_within_limit", f"size={len(TEXT):,} bytes (0.0 MB) (max 100 bytes (0.0 MB))"
    )


def test_bundled_seed_pages_pass(settings):
    from flows.settings import SAMPLES_DIR

    docs = [doc(p.read_bytes(), p.name) for p in sorted(SAMPLES_DIR.glob("*.txt"))]
    assert len(docs) == 5
    outcome = check_raw(docs, settings)
    assert outcome.rejected == {} and outcome.warnings == {}


def test_warm_up_then_check_from_threads(settings):
    """Prefect may run tasks in threads: the GX context is shared under a lock."""
    from concurrent.futures import ThreadPoolExecutor

    from flows.quality import warm_up

    warm_up(settings)
    batches = [[doc(TEXT + bytes([65 + i]), f"t{i}.txt"), doc(b"", f"e{i}.txt")] for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda b: check_raw(b, settings), batches))
    for batch, outcome in zip(batches, outcomes):
        assert outcome.rejected == {batch[1].raw_id: ("not_empty", "empty document (0 bytes)")}


def test_failing_rows_are_found_by_position_whatever_the_frame_index(settings):
    """GX names failing rows by index label and the runner reads their ids in one lookup: a frame
    whose index repeats labels (filtered, concatenated) gets the same verdicts as a fresh one."""
    from flows.quality.frames import raw_frame
    from flows.quality.runner import run_suite
    from flows.quality.suites import RAW

    docs = [doc(TEXT, "a.txt"), doc(b"", "empty.txt"), doc(TEXT + b" more", "b.txt"), doc(b"\x00" * 300, "c.txt")]
    fresh = run_suite(RAW, raw_frame(docs), settings, batch=0)
    odd = raw_frame(docs)
    odd.index = [7, 7, 3, 3]
    again = run_suite(RAW, odd, settings, batch=0)
    assert set(fresh.rejected) == {docs[1].raw_id, docs[3].raw_id}
    assert again.rejected == fresh.rejected and again.warnings == fresh.warnings
    assert [(r.check_name, r.success, r.observed) for r in again.results] == \
        [(r.check_name, r.success, r.observed) for r in fresh.results]
