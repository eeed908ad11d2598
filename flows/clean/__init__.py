"""The clean stage: raw bytes to an article's main text and metadata.

``clean_document`` decodes a ``RawDocument`` (encoding.py), sends HTML to the
trafilatura-based extractor (html.py) and text dumps to our own cleaner
(text.py), fills metadata gaps from what the source said (JSON fields, feed
entries) and detects the language (metadata.py). ``clean_batch`` runs it over
a batch in worker processes with a per-document time limit (workers.py).
"""
from __future__ import annotations

import os
import re
import threading
import time
from functools import partial

from ..records import Article, Extracted, RawDocument, Rejection, valid_unicode, without_controls
from ..settings import Settings
from .encoding import DecodeError, decode_bytes
from .hints import fill_from_hints

_WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def normalise_paragraphs(text: str) -> str:
    """Every non-empty line is a paragraph (extractors emit one per line);
    inner whitespace is collapsed and paragraphs are separated by exactly one
    blank line."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n\n".join(line for line in lines if line)


TEST_HOOKS_ENV = "NEWSFLOW_TEST_HOOKS"
_HOOK = b"<!--newsflow-test:"


def _test_hook(content: bytes) -> None:
    """For the tests of time limits and crashes only (``NEWSFLOW_TEST_HOOKS=1``): a document
    starting with ``<!--newsflow-test:sleep=S-->`` takes S seconds to clean, one starting
    with ``<!--newsflow-test:exit-->`` kills the process cleaning it. Slow and fatal
    documents on purpose, so no test depends on how fast the machine is."""
    if not content.startswith(_HOOK) or os.environ.get(TEST_HOOKS_ENV) != "1":
        return
    command = content[len(_HOOK):content.find(b"-->")].decode("ascii", "replace")
    if command.startswith("sleep="):
        time.sleep(float(command[6:]))
    elif command == "exit":
        os._exit(70)


def extract(doc: RawDocument, settings: Settings) -> tuple[Extracted, str]:
    """Decode and extract; returns the extraction and the extractor's name."""
    _test_hook(doc.content)
    text, _encoding = decode_bytes(doc.content, doc.content_type, doc.kind)
    if doc.kind == "html":
        from .html import extract_html

        return extract_html(text, doc.url), "trafilatura"
    from .text import clean_text_dump

    return clean_text_dump(text, doc.hints), "text-dump"


def clean_document(doc: RawDocument, settings: Settings) -> Article | Rejection:
    """One document in, one article or one rejection out (never None)."""
    if doc.error:
        return Rejection(doc.raw_id, doc.source, "ingest", "unreadable", doc.error)
    if len(doc.content) > settings.max_document_bytes:
        return Rejection(
            doc.raw_id, doc.source, "clean", "too_large",
            f"{len(doc.content):,} bytes (limit {settings.max_document_bytes:,}; raise NEWSFLOW_MAX_DOCUMENT_BYTES)",
        )
    try:
        found, extractor = extract(doc, settings)
    except DecodeError as exc:
        return Rejection(doc.raw_id, doc.source, "clean", "undecodable", str(exc))
    body = normalise_paragraphs(found.text or "")
    if not body:
        what = "HTML page" if doc.kind == "html" else "text"
        why = "navigation, links or a form only?"
        if doc.kind == "html":  # or the extractor stopped at a limit: the detail says which
            from .html import GAVE_UP_NOTES

            why = next((n for n in found.notes if n.startswith(GAVE_UP_NOTES)), why)
        return Rejection(doc.raw_id, doc.source, "clean", "no_article_text",
                         f"no article text found in this {what} ({why})")
    hints = doc.hints or {}
    found = fill_from_hints(found, hints)
    title, published, author = found.title, found.published, found.author
    language = found.language
    if not language:
        from .metadata import detect_language

        language = detect_language(body)
    return Article(
        article_id=doc.raw_id,
        raw_id=doc.raw_id,
        source=doc.source,
        url=_valid(doc.url or found.url or hints.get("url") or None),
        title=_valid(" ".join(title.split()) if title else None, MAX_FIELD_CHARS),
        author=_valid(author, MAX_FIELD_CHARS),
        published_date=published,
        language=language,
        text=body,
        word_count=count_words(body),
        site_name=_valid(found.site_name),
        extractor=extractor,
    )


MAX_FIELD_CHARS = 1000  # a longer title or author is no title or author (a 1 MB "title" was stored and printed)


def _valid(value: str | None, limit: int | None = None) -> str | None:
    """A field as DuckDB can store it and a terminal can show it: lone surrogates (from a JSON
    escape, a feed) written U+FFFD, control characters dropped; None when longer than ``limit``."""
    if not isinstance(value, str):
        return value
    kept = without_controls(valid_unicode(value))
    if kept is not value and len(kept) < len(value):  # "Mayor \x07 speaks": no double space where one was
        kept = " ".join(kept.split())
    return None if not kept.strip() or limit and len(kept) > limit else kept


def _clean_or_reject(doc: RawDocument, settings: Settings) -> Article | Rejection:
    try:
        return clean_document(doc, settings)
    except Exception as exc:  # a bug or a pathological page: one row, not the batch
        return Rejection(doc.raw_id, doc.source, "clean", "cleaner_error", f"{type(exc).__name__}: {exc}")


PACK_MIN_BYTES = 4096  # smaller documents are stored as they are


def _clean_and_pack(doc: RawDocument, settings: Settings) -> tuple[Article | Rejection, bytes | None]:
    """In a worker: clean, and compress the raw bytes for the raw layer while we hold them
    (zstd level 1: about 4.6x on HTML at 550 MB/s). The main process, which stores and
    deduplicates, then writes a fifth of the bytes and compresses nothing. What the clean
    checks read of the text is found here too (``Article.signals``), for the same reason."""
    from ..records import pack

    packed = pack(doc.content) if len(doc.content) >= PACK_MIN_BYTES else None
    result = _clean_or_reject(doc, settings)
    if isinstance(result, Article):
        from ..quality.detectors import article_signals

        try:
            result.signals = article_signals(result.text, result.url)
        except Exception:  # noqa: BLE001 - signals stay None: the checks scan the text and say what failed
            pass
    return result, packed


def _worker_task(item, settings: Settings):
    """What a cleaning worker does with one item: a document is cleaned and its raw bytes packed
    (``_clean_and_pack``); a list of articles (a share of a cleaned batch) is signed for dedup
    together (dedup/signatures.py), so that per-article work runs beside the main process too."""
    if isinstance(item, list):
        from ..dedup.signatures import compute_signatures
        from ..memory import release_free_memory

        signed = compute_signatures(item, settings)
        # the share's tokens and shingles are freed now: hand their pages back, or the worker holds
        # its signing peak while it cleans the next batch beside the main process's commit
        release_free_memory()
        return signed
    return _clean_and_pack(item, settings)


SIGN_SHARE_MAX = 256  # articles a worker signs at once: a share's tokens and shingles are its memory peak


def sign_shares(articles: list[Article], workers: int) -> list[list[Article]]:
    """A cleaned batch cut into shares to sign, at least one per worker and at most
    ``SIGN_SHARE_MAX`` articles each (about), copies of one text in the same share.

    Signing 1,000 articles at once (a 2,000-article batch on 2 workers) took each worker about
    75 MB above its cleaning, while the main process committed the batch before: the run's
    memory peak. Shares of 256 hold a quarter of it. Copies still cost one signature (a
    share signs a text once), since they are put in the share their text's hash says."""
    if not articles:
        return []
    count = max(workers, -(-len(articles) // SIGN_SHARE_MAX))
    shares: list[list[Article]] = [[] for _ in range(count)]
    for a in articles:
        shares[hash(a.text) % count].append(a)
    return [s for s in shares if s]


def _unsigned(item, reason: str) -> None:
    return None  # a share whose signing failed is signed by the dedup stage instead


def _failure(doc: RawDocument, reason: str) -> Rejection:
    name = "timeout" if reason.startswith("timeout") else "cleaner_crashed"
    return Rejection(doc.raw_id, doc.source, "clean", name, reason)


def _failure_packed(doc: RawDocument, reason: str) -> tuple[Rejection, None]:
    return _failure(doc, reason), None


def _cleaning_cost(doc: RawDocument) -> int:
    """What cleaning a document is expected to cost: its size (parsing and extraction grow with it)."""
    return len(doc.content)


IN_PROCESS_MAX_BYTES = 64 * 1024  # a text dump up to this size may be cleaned without the time limit


def needs_workers(docs: list[RawDocument], workers: int) -> bool:
    """HTML always goes to worker processes (extraction needs the time limit), and so
    does any text dump over IN_PROCESS_MAX_BYTES; small text dumps only in large
    batches with more than one worker to share them: small batches are cheaper
    in-process than a pool start. The text cleaner and the checks are linear in
    their input (no regular expression backtracks over a line: see
    tests/clean/test_fuzz.py), so a small dump is cleaned in bounded time even in
    this process; anything larger, or any HTML, runs under the per-document limit."""
    if any(d.kind != "text" or len(d.content) > IN_PROCESS_MAX_BYTES for d in docs):
        return True
    return workers > 1 and len(docs) > 200


def warm_worker() -> None:
    """Import the extractors and load the language model in a fresh worker process."""
    from ..dedup import signatures  # noqa: F401  (the workers sign cleaned batches: numpy, Arrow and rensa shared)
    from ..quality import detectors  # noqa: F401  (Article.signals, found beside the cleaning)
    from . import html, text  # noqa: F401
    from .metadata import detect_language

    detect_language("A short sentence to load the language model once.")


def clean_in_process(docs: list[RawDocument], settings: Settings, progress=None) -> list[Article | Rejection]:
    """Clean in this process (no per-document time limit): small text dumps (bounded in size,
    cleaned in linear time; see needs_workers)."""
    out = []
    for d in docs:
        out.append(_clean_or_reject(d, settings))
        if progress:
            progress(1)
    return out


DASK_DAEMON_ENV = "DASK_DISTRIBUTED__WORKER__DAEMON"


class DaemonicDaskWorker(RuntimeError):
    """A Dask worker that cannot start the processes the per-document time limit needs."""


_dask_cleaners = threading.local()  # one Cleaner (one child process) per Dask worker thread


def clean_on_dask_worker(docs: list[RawDocument], settings: Settings, progress=None) -> list[Article | Rejection]:
    """Clean a share of a batch on a Dask worker, with the same per-document time limit as
    locally: a child process of the worker cleans, and one that overruns is killed and its
    document quarantined ("timeout"). One child per worker thread, kept between tasks (its
    imports cost seconds); Dask decides the parallelism.

    Dask starts its workers as daemonic processes by default, and Python does not let a
    daemonic process have children: such a worker stops the run with how to start it
    (``DASK_DISTRIBUTED__WORKER__DAEMON=False``), rather than clean without the limit."""
    import multiprocessing

    settings = settings.with_(workers=1)
    if needs_workers(docs, settings.workers) and multiprocessing.current_process().daemon:
        raise DaemonicDaskWorker(
            f"this Dask worker ({_dask_worker_address()}) runs as a daemonic process, which cannot start the "
            f"process that enforces the per-document time limit (NEWSFLOW_EXTRACT_TIMEOUT_S): start the Dask "
            f"workers with {DASK_DAEMON_ENV}=False in their environment (or distributed.worker.daemon: false "
            f"in their Dask config)")
    cleaner = getattr(_dask_cleaners, "cleaner", None)
    if cleaner is None or cleaner.settings != settings:
        if cleaner is not None:
            cleaner.close()
        # no memo of earlier results: it would outlive the run on a long-lived worker
        cleaner = _dask_cleaners.cleaner = Cleaner(settings, reuse_stored=False, reuse_copies=False)
    return cleaner.clean(docs, progress)


def _dask_worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "not a Dask worker"


class Cleaner:
    """Cleans batches, in worker processes when worthwhile; reuse it across batches. A document
    whose bytes (and URL and hints) were cleaned earlier in the run gets that result (reuse.py).
    With ``sign`` the workers then sign the batch's articles for dedup (``fingerprints``)."""

    def __init__(self, settings: Settings, reuse_stored: bool = True, reuse_copies: bool = True,
                 sign: bool = False):
        from .reuse import CleanMemo

        self.settings = settings
        self.sign = sign
        self.fingerprints: dict = {}  # fingerprint_key(article) -> (BatchSignatures, row), until taken
        self.reuse_copies = reuse_copies  # off: every document is cleaned (speed benches)
        self.reuse_stored = reuse_stored and reuse_copies  # not in a reprocess: it replaces what is stored
        self._pool = None
        self._closed = False
        self.seconds = 0.0  # time spent cleaning, for the run's timings (signing in the workers not included)
        self.sign_seconds = 0.0  # time the workers spent signing cleaned articles for dedup (``sign``)
        self.workers_cpu = 0.0  # CPU seconds of the worker processes, known once they are stopped
        self.memo = CleanMemo()

    @property
    def reused(self) -> int:
        """Documents given an earlier document's result instead of being cleaned."""
        return self.memo.reused

    def clean(self, docs: list[RawDocument], progress=None) -> list[Article | Rejection]:
        from .reuse import clean_distinct

        started = time.perf_counter()
        # decided on the whole batch, as before copies were reused: it decides whether raw bytes are packed
        in_workers = bool(docs) and needs_workers(docs, self.settings.workers)
        try:
            if not self.reuse_copies:
                return self._clean(docs, progress, in_workers)
            return clean_distinct(docs, self.memo, partial(self._clean, in_workers=in_workers), progress,
                                  pack=in_workers)
        finally:
            self.seconds += time.perf_counter() - started

    def _clean(self, docs: list[RawDocument], progress=None, in_workers: bool = True) -> list[Article | Rejection]:
        if not docs:
            return []
        if not in_workers:
            return clean_in_process(docs, self.settings, progress)
        if self._closed:  # a batch that started after the run began to stop: no new workers
            return [Rejection(d.raw_id, d.source, "clean", "cancelled", "the run is ending") for d in docs]
        from .workers import PoolClosed

        try:
            results = self.pool().map(docs, _failure_packed, progress, cost=_cleaning_cost)
        except PoolClosed as exc:  # the run is ending on a signal: nobody waits for this batch
            return [Rejection(d.raw_id, d.source, "clean", "cancelled", str(exc)) for d in docs]
        out = []
        for doc, result in zip(docs, results):
            cleaned, doc.packed = result
            out.append(cleaned)
        if self.sign:
            started = time.perf_counter()
            self._sign([a for a in out if isinstance(a, Article)])
            # dedup's work, done here because the workers are idle until the next batch: not cleaning
            signing = time.perf_counter() - started
            self.sign_seconds += signing
            self.seconds -= signing
        return out

    def _sign(self, articles: list[Article]) -> None:
        """Sign the cleaned articles in the workers, a share each (they wait for the next batch
        meanwhile); a share that fails is left to the dedup stage."""
        from ..dedup.signatures import fingerprint_key
        from .workers import PoolClosed

        pool = self._pool
        if pool is None or self._closed:  # stopped meanwhile (the run is ending): no new workers for this
            return
        shares = sign_shares(articles, pool.size)
        try:
            signed = pool.map(shares, _unsigned) if shares else []
        except PoolClosed:
            return
        for share, sigs in zip(shares, signed):
            if sigs is not None:
                for row, a in enumerate(share):
                    self.fingerprints.setdefault(fingerprint_key(a), (sigs, row))

    def take_fingerprints(self, cleaned: list) -> dict:
        """The fingerprints the workers computed for these results (a batch's), by
        ``fingerprint_key``; they leave the cleaner (a batch's copies share one)."""
        from ..dedup.signatures import fingerprint_key

        out = {}
        for a in cleaned:
            if isinstance(a, Article) and (found := self.fingerprints.pop(key := fingerprint_key(a), None)) is not None:
                out[key] = found
        return out

    def pool(self):
        if self._pool is None:
            from .workers import WorkerPool

            self._pool = WorkerPool(
                partial(_worker_task, settings=self.settings),
                size=self.settings.workers,
                timeout_s=self.settings.extract_timeout_s,
                initializer=warm_worker,
                preload=["flows.clean.preload"],
            )
        return self._pool

    def prepare(self, docs: list[RawDocument]) -> None:
        """Before the batch is checked: take the results stored copies of its documents had,
        then start the worker processes if what is left needs them (they import trafilatura
        and load the language model, seconds, while the batch is checked)."""
        if not docs or self._closed:
            return
        from .reuse import clean_key, stored_results

        if self.reuse_stored:
            # batches up to the one before last are committed: their results come back from the database
            self.memo.next_batch(keep_batches=2)
            for key, article in stored_results(self.settings, docs).items():
                self.memo.put(key, article, None)
        left = [d for d in docs if clean_key(d) not in self.memo]
        if left and needs_workers(docs, self.settings.workers):
            self.pool().spawn()

    @property
    def restarts(self) -> int:
        return self._pool.restarts if self._pool else 0

    def close(self, kill: bool = False) -> None:
        """Stop the workers (``kill``: at once, for a run ending on a signal); no batch is cleaned after."""
        self._closed = True
        if self._pool is not None:
            self._pool.close(kill=kill)
            self.workers_cpu += self._pool.cpu_seconds
            self._pool = None
