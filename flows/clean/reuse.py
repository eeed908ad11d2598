"""Copies cost nothing twice: a document whose bytes were cleaned before is not cleaned again.

A wire story republished on a hundred sites reaches us as a hundred raw
documents with the same bytes. Cleaning reads only the bytes, their kind and
declared type, the document's URL (the extractor resolves links and metadata
against it) and the source's hints (JSON fields, feed entries); never the
source path. So the key below holds exactly those, and a document with the
same key gets the first one's result with its own ids and source: the
article row is still its own row, and dedup still finds it as an exact copy.
The results are kept up to a memory budget (oldest first out), and the
articles stored by this code version count too (``stored_results``, read from
the database before each batch). When those are read, the memo only needs the
batches not committed yet: older results are dropped (``CleanMemo.next_batch``),
so a long run does not hold a budget's worth of articles it will find in the
database anyway. Whether the raw bytes are stored compressed stays what
it was (the batch's cleaning mode decides, not whether a copy was reused).
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

from ..records import Article, RawDocument, Rejection

MEMO_MAX_BYTES = 64 * 1024 * 1024  # cleaned text and packed bytes kept for reuse within a run


def clean_key(doc: RawDocument) -> tuple:
    """Everything cleaning reads from a document (not its source or ids)."""
    return key_of(doc.content_hash, len(doc.content), doc.kind, doc.content_type, doc.url, doc.hints)


def _typed(value) -> str:
    return f"{type(value).__name__}:{value}"  # a date and the string of one are different hints


def key_of(content_hash: str, size: int, kind: str, content_type, url, hints: dict | None) -> tuple:
    return (content_hash, size, kind, content_type, url,
            json.dumps(hints, sort_keys=True, default=_typed) if hints else "")


def as_copy(result: Article | Rejection, doc: RawDocument) -> Article | Rejection:
    """``result`` of another document with the same key, as this document's own."""
    if isinstance(result, Article):
        return replace(result, article_id=doc.raw_id, raw_id=doc.raw_id, source=doc.source, warnings=[])
    return replace(result, raw_id=doc.raw_id, source=doc.source)


def _size(result, packed: bytes | None) -> int:
    text = result.text if isinstance(result, Article) else result.detail
    return len(text or "") + len(packed or b"") + 512


class CleanMemo:
    """Results of this run's cleaning by ``clean_key``, within a memory budget."""

    def __init__(self, max_bytes: int = MEMO_MAX_BYTES):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, tuple] = OrderedDict()  # key -> (result, packed, batch)
        self._bytes = 0
        self._batch = 0
        self._lock = threading.Lock()  # a batch is cleaned in a task thread while the next is prepared
        self.reused = 0  # documents given an earlier result instead of being cleaned

    def get(self, key: tuple):
        item = self._items.get(key)
        return None if item is None else item[:2]

    def next_batch(self, keep_batches: int) -> None:
        """A new batch is about to be cleaned: drop the results of all but the last ``keep_batches``
        batches (those not committed yet; what is committed is read back by ``stored_results``)."""
        with self._lock:
            self._batch += 1
            oldest = self._batch - keep_batches
            while self._items:
                key, (old, old_packed, batch) = next(iter(self._items.items()))
                if batch >= oldest:
                    break
                del self._items[key]
                self._bytes -= _size(old, old_packed)

    def __contains__(self, key: tuple) -> bool:
        return key in self._items

    def put(self, key: tuple, result: Article | Rejection, packed: bytes | None) -> None:
        if isinstance(result, Rejection) and result.reason == "cancelled":
            return  # the run was ending, not a property of the bytes
        with self._lock:
            if key in self._items:
                return
            # a copy: the checks later set the warnings of the article they were given
            self._items[key] = (replace(result, warnings=[]) if isinstance(result, Article) else result, packed,
                                self._batch)
            self._bytes += _size(result, packed)
            while self._bytes > self.max_bytes and self._items:
                _key, (old, old_packed, _batch) = self._items.popitem(last=False)
                self._bytes -= _size(old, old_packed)


def stored_results(settings, docs: list[RawDocument]) -> dict[tuple, Article]:
    """Articles earlier runs of this code version cleaned from the same bytes (and URL, hints),
    by ``clean_key``; read before the batch is cleaned, on the run's own thread."""
    from ..version import code_version
    from ..storage import connect, query
    from ..storage.sqlfiles import id_table

    hashes = sorted({d.content_hash for d in docs if not d.error})
    if not hashes or not Path(settings.db_path).exists():
        return {}
    con = connect(settings, read_only=True)
    try:
        rows = query(con, "queries/articles/cleaned_copies", id_table("content_hash", hashes),
                     {"code_version": code_version()})
    finally:
        con.close()
    found: dict[tuple, Article] = {}
    for (content_hash, size, kind, content_type, raw_url, hints, url, title, author, published, language, text,
         words, site_name, extractor) in rows:
        key = key_of(content_hash, size, kind, content_type, raw_url, json.loads(hints) if hints else None)
        found[key] = Article(article_id="", raw_id="", source="", url=url, title=title, author=author,
                             published_date=published, language=language, text=text, word_count=words,
                             site_name=site_name, extractor=extractor)
    return found


def clean_distinct(docs: list[RawDocument], memo: CleanMemo, clean, progress=None,
                   pack: bool = False) -> list[Article | Rejection]:
    """``clean(distinct_docs, progress)`` on the documents whose key is new to the run;
    every other one gets the earlier result as its own. ``pack``: the batch is cleaned in
    worker processes, which compress the raw bytes of what they clean; a copy gets the
    same compressed bytes (compressed here if the earlier result came without them)."""
    from . import PACK_MIN_BYTES
    from ..records import pack as compress

    keys = [clean_key(d) if not d.error else None for d in docs]
    first: dict[tuple, int] = {}
    earlier: dict[tuple, tuple] = {}  # taken now: storing this batch's results may evict them
    todo: list[int] = []
    for i, key in enumerate(keys):
        if key is not None and (key in first or key in earlier):
            continue
        if key is not None and (hit := memo.get(key)) is not None:
            earlier[key] = hit
            continue
        if key is not None:
            first[key] = i
        todo.append(i)
    cleaned = clean([docs[i] for i in todo], progress) if todo else []
    out: list = [None] * len(docs)
    for i, result in zip(todo, cleaned):
        out[i] = result
        if keys[i] is not None:
            memo.put(keys[i], result, docs[i].packed)
    reused = 0
    for i, doc in enumerate(docs):
        if out[i] is not None:
            continue
        j = first.get(keys[i])
        if j is not None:  # a copy of a document of this batch
            result, packed = out[j], docs[j].packed
        else:
            result, packed = earlier[keys[i]]
        out[i] = as_copy(result, doc)
        if pack and len(doc.content) >= PACK_MIN_BYTES:
            doc.packed = packed if packed is not None else compress(doc.content)
        reused += 1
    memo.reused += reused
    if progress and reused:
        progress(reused)
    return out
