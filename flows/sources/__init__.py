"""Input sources: turn the SOURCE arguments of ``newsflow run`` into RawDocuments.

Three calls, in this order::

    specs = resolve_sources(args, settings)          # may raise SourceError
    for doc in iter_local_documents(specs.local, settings, stats): ...
    docs = fetch_urls(specs.urls, settings, seen=ledger_has, stats=stats)  # or iter_fetched_documents

How arguments are read (``resolve_sources``):

- ``http://`` / ``https://`` arguments are URLs of pages or RSS/Atom feeds.
  Any other ``scheme://`` (``file:``, ``ftp:``...) is refused with SourceError.
- A folder is read recursively, in sorted order, keeping files with a known
  suffix: ``.txt``, ``.html``/``.htm``/``.xhtml``, ``.json``,
  ``.jsonl``/``.ndjson``, ``.warc``, each optionally ``.gz``. Hidden files and
  folders (name starting with ``.``) are skipped; other files are listed in
  ``specs.skipped`` so the run can say so. Only regular files are read: FIFOs,
  devices and sockets go to ``specs.special`` (counted, never opened); a
  symbolic link whose target is outside the folder, or a link loop, goes to
  ``specs.refused`` and becomes a quarantine row (``outside_folder``,
  ``symlink_loop``); linked folders are not descended (no loops).
- A file named ``*.urls`` given as an argument is a URL list: one URL a line;
  blank lines and lines starting with ``#`` are ignored. ``.urls`` files met
  inside folders are not read (a folder of documents should not start network
  traffic by itself); they appear in ``specs.skipped``.
- A missing path, or a file given by name with an unknown suffix, raises
  SourceError with a one-line message for the user.

Reading never raises for bad input: every input ends as a RawDocument, with
``error`` set when it could not be read whole (the pipeline quarantines it).
``error_reason(doc.error)`` gives a short code for the quarantine ``reason``
column (``fetch_refused``, ``http_error``, ``too_large``, ``truncated_gzip``...).
``stats`` (a Counter, optional) collects counts such as skipped WARC records
and ledger skips.
"""
from __future__ import annotations

import errno
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flows.records import RawDocument
from flows.settings import Settings
from flows.sources.common import URL_LIST_SUFFIX, classify, error_reason, exc_text, known_suffixes, special_kind, too_large

__all__ = ["SourceError", "SourceSpecs", "resolve_sources", "iter_local_documents", "fetch_urls",
           "iter_fetched_documents", "error_reason"]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


class SourceError(Exception):
    """A SOURCE argument that cannot be used; the message is shown to the user as is."""


@dataclass
class SourceSpecs:
    local: list[Path] = field(default_factory=list)  # absolute file paths, in reading order
    urls: list[str] = field(default_factory=list)  # page and feed URLs, in order, without repeats
    skipped: list[Path] = field(default_factory=list)  # files in folders that are not read
    special: list[Path] = field(default_factory=list)  # FIFOs, devices, sockets in folders: never opened
    refused: dict[Path, str] = field(default_factory=dict)  # links leaving the folder, loops: quarantined


def _absolute(path: Path | str) -> Path:
    """Absolute and normalised, without resolving symlinks (the path the user knows). A path that
    is both already (every path ``resolve_sources`` lists) is kept: no new path object, which
    costs more than reading a small file's name."""
    text = os.fspath(path)
    absolute = os.path.abspath(text)
    return path if isinstance(path, Path) and absolute == text else Path(absolute)


def _walk(folder: Path, specs: "SourceSpecs") -> Iterator[Path]:
    """The regular files under ``folder`` (hidden names skipped), sorted.

    Symbolic links are not followed into folders (no loops); a link whose
    target lies outside ``folder`` is refused (``specs.refused``: it becomes a
    quarantine row), a link loop too; FIFOs, devices and sockets are listed in
    ``specs.special`` and never opened."""
    top = os.path.realpath(folder)
    for root, dirs, files in os.walk(folder):  # followlinks=False: a linked folder is not descended
        kept = []
        for name in sorted(d for d in dirs if not d.startswith(".")):
            path = Path(root) / name
            if os.path.islink(path):
                if _refused_link(path, top, specs):
                    yield path
                continue  # a link inside the folder: its files are read through their own path
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(root) / name
            if os.path.islink(path) and _refused_link(path, top, specs):
                yield path
                continue
            try:
                mode = os.stat(path).st_mode
            except OSError:
                yield path  # dangling link, vanished file: reading it says why
                continue
            if special_kind(mode):
                specs.special.append(path)
                continue
            yield path


def _refused_link(path: Path, top: str, specs: "SourceSpecs") -> bool:
    """A link that leaves the folder or loops, recorded in ``specs.refused``."""
    problem = _link_problem(path, top)
    if problem:
        specs.refused[path] = problem
    return bool(problem)


def _link_problem(path: Path, top: str) -> str | None:
    """Why a symbolic link under the folder ``top`` may not be read, or None."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"refused: a symlink loop: {path}"
        return None  # dangling: reading it says so
    target = os.path.realpath(path)
    if os.path.commonpath([top, target]) != top:
        return f"refused: outside the folder given: {path} links to {target}"
    return None


def read_url_list(path: Path) -> list[str]:
    """URLs of a ``.urls`` file: one a line, ``#`` comment lines and blanks ignored."""
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise SourceError(f"Cannot read URL list {str(path)!r}: {exc_text(exc)}") from None
    return [s for s in (line.strip() for line in text.splitlines()) if s and not s.startswith("#")]


def resolve_sources(args: Iterable[str], settings: Settings | None = None) -> SourceSpecs:
    """Sort SOURCE arguments into local files and URLs; raise SourceError for unusable ones."""
    specs = SourceSpecs()
    seen_paths: set[Path] = set()
    seen_urls: set[str] = set()

    def add_url(url: str) -> None:
        if url not in seen_urls:
            seen_urls.add(url)
            specs.urls.append(url)

    def add_file(path: Path) -> None:
        if path not in seen_paths:
            seen_paths.add(path)
            specs.local.append(path)

    for arg in args:
        arg = str(arg)
        match = _SCHEME.match(arg)
        if match:
            if match.group(1).lower() not in ("http", "https"):
                raise SourceError(f"Unsupported URL scheme {match.group(1)!r} in {arg!r}: only http(s) URLs are fetched")
            add_url(arg)
            continue
        path = _absolute(Path(arg).expanduser())
        if path.is_dir():
            for file in _walk(path, specs):
                if classify(file) or file in specs.refused:
                    add_file(file)
                else:
                    specs.skipped.append(file)
        elif path.is_file():
            if path.name.lower().endswith(URL_LIST_SUFFIX):
                for url in read_url_list(path):
                    add_url(url)  # a bad line becomes a refused fetch, quarantined with its reason
            elif classify(path):
                add_file(path)
            else:
                raise SourceError(f"Unsupported file type: {arg!r} (known: {known_suffixes()})")
        elif path.exists():
            raise SourceError(f"Not a regular file or folder: {arg!r}")
        else:
            raise SourceError(f"No such file or directory: {arg!r} (give a file, a folder, or an http(s):// URL)")
    return specs


def iter_local_documents(paths: Iterable[Path], settings: Settings, stats: Counter | None = None,
                         refused: dict[Path, str] | None = None) -> Iterator[RawDocument]:
    """Yield one RawDocument per document in the given files, streaming.

    ``refused`` (``SourceSpecs.refused``): paths that become an error document
    with the reason given, without being opened."""
    from flows.sources.files import read_document_file
    from flows.sources.jsonl import iter_json_file, iter_json_lines
    from flows.sources.warc import iter_warc

    stats = stats if stats is not None else Counter()
    for path in paths:
        path = _absolute(path)
        kind = classify(path)
        stats["local_files"] += 1
        if refused and path in refused:
            stats["refused_links"] += 1
            docs = [RawDocument(str(path), "text", b"", error=refused[path])]
        elif kind is None:
            docs: Iterable[RawDocument] = [RawDocument(str(path), "text", b"", error="unsupported file type")]
        elif kind.reader in ("text", "html"):
            docs = [read_document_file(path, kind.reader, kind.gz, settings)]
        else:
            try:
                size = path.stat().st_size
            except OSError as exc:
                docs = [RawDocument(str(path), "text", b"", error=f"unreadable: {exc_text(exc)}")]
            else:
                if size > settings.max_file_bytes:
                    docs = [RawDocument(str(path), "text", b"",
                                        error=too_large(size, settings.max_file_bytes, "NEWSFLOW_MAX_FILE_BYTES"))]
                elif kind.reader == "warc":
                    docs = iter_warc(path, settings, stats)
                elif kind.reader == "jsonl":
                    docs = iter_json_lines(path, kind.gz, settings, stats)
                else:
                    docs = iter_json_file(path, kind.gz, settings, stats)
        if kind is not None and kind.reader in _CONTAINERS:  # an input, so it gets a row even holding none
            docs = _at_least_one(docs, path, _CONTAINERS[kind.reader])
        for doc in docs:
            stats["local_documents"] += 1
            if doc.error:
                stats["local_errors"] += 1
            yield doc


# files holding many documents: one of them holding none says so in quarantine (an empty .txt does too)
_CONTAINERS = {"warc": "a WARC archive without pages", "jsonl": "an empty JSON lines file, or blank lines only",
               "json": "an empty JSON array"}


def _at_least_one(docs: Iterable[RawDocument], path: Path, what: str) -> Iterator[RawDocument]:
    """The documents of a container file, or one error document saying it holds none."""
    found = False
    for doc in docs:
        found = True
        yield doc
    if not found:
        yield RawDocument(str(path), "text", b"", error=f"no documents in this file ({what})")


def fetch_urls(urls: Iterable[str], settings: Settings, **options) -> list[RawDocument]:
    """Fetch the URL sources (pages, feeds, sitemaps and their entries) into one
    list: ``iter_fetched_documents`` (same ``seen``, ``stats``, ``state``), collected."""
    return list(iter_fetched_documents(urls, settings, **options))


def iter_fetched_documents(
    urls: Iterable[str],
    settings: Settings,
    seen: Callable[[str], bool] | None = None,
    stats: Counter | None = None,
    state=None,
) -> Iterator[RawDocument]:
    """Fetch pages and feeds concurrently, yielding documents as they come (memory bounded)."""
    from flows.sources.web import iter_fetched_documents as _iter

    return _iter(urls, settings, seen=seen, stats=stats, state=state)
