"""Fetching pages and feeds over HTTP(S), concurrently and defensively.

``iter_fetched_documents(urls, settings, seen, stats)`` fetches the given URLs on a
thread pool (``fetch_concurrency`` threads, at most ``fetch_per_host``
requests at once to one host, URLs interleaved across hosts so threads rarely
wait on one busy host). A body that is a feed (by content type or by its root
element) is not kept: its entries' links are fetched next, with the entry's
title/date/author as hints. Every URL ends as a RawDocument: a page (kind
html, ``source`` = the URL as given or the entry link, ``url`` = the final URL
after redirects, ``fetched_at`` = now, UTC) or an error document (``content``
empty, ``error`` a one-line reason).

Per request:
- redirects are followed by hand, at most ``fetch_max_redirects``, and every
  hop is checked (scheme and addresses, see flows.sources.safety);
- transient failures (connect errors, dropped connections, HTTP 5xx and 429)
  are retried here, RETRIES times with exponential backoff from BACKOFF_S
  (honouring a short Retry-After); a read timeout or a bad TLS certificate
  is not retried (it would only cost the time again); the pipeline's Prefect
  task retries wrap the whole call on top of this;
- only HTML, XHTML and feeds are read: anything else stops before the body;
- the body is streamed and abandoned past ``fetch_max_bytes``, content
  encodings (``gzip``, ``deflate``, stacked ones too) are undone here with the
  cap applied while inflating; the whole request (connect, headers and body of
  all hops) must finish within ``fetch_timeout_s`` per attempt, even from a
  server that trickles its bytes (flows.sources.limits);
- link-local and cloud metadata addresses are refused even with
  ``allow_private`` unless ``allow_link_local``.

``iter_fetched_documents`` is the same as a generator: documents come out as
they arrive, at most ``fetch_concurrency`` pages in flight, so the pipeline's
batches bound memory however many pages a feed or sitemap lists.

Ledger: ``seen(url)`` says a URL was ingested by an earlier run; such page
URLs and feed entry links are skipped (counted as ``fetch_skipped_seen``)
unless ``settings.refetch``.

Politeness and polling (own modules, hooked in here): robots.txt per host
with its crawl-delay (flows.sources.robots), conditional GET with stored
validators, where a 304 makes no document (flows.sources.fetch_state), and
XML sitemaps, whose entries are fetched like feed entries
(flows.sources.sitemaps).
"""
from __future__ import annotations

import ssl
import threading
import time
import zlib
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from flows.records import RawDocument
from flows.settings import Settings
from flows.sources.common import too_large, without_password
from flows.sources import sitemaps
from flows.sources.feeds import XML_MIMES, looks_like_feed, parse_feed
from flows.sources.fetch_state import FetchState
from flows.sources.limits import ACCEPT_ENCODING, ContentDecoder, TooLarge, UnsupportedEncoding, fetch_deadline
from flows.sources.robots import CrawlDelayDeferred, RobotsPolicy
from flows.sources.safety import RefusedURL, check_scheme, check_url, guarded_transport

RETRIES = 2
HOST_FAILURES = 5  # a host failing this many fetches in a row (timeouts, no connection, 5xx) is not asked again
BACKOFF_S = 0.5
MAX_RETRY_AFTER_S = 10.0
HTML_MIMES = {"text/html", "application/xhtml+xml"}
# Types misconfigured servers give HTML pages: the body is read, and kept if it looks like HTML
SNIFFED_MIMES = {"application/octet-stream", "binary/octet-stream", "application/unknown", "text/plain"}
ACCEPT = "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.5"
REDIRECTS = {301, 302, 303, 307, 308}


class FetchFailed(Exception):
    """A fetch that cannot succeed; the message is the quarantine reason."""


class HostDown(FetchFailed):
    """A failure that says the host is not answering (a timeout, no connection, 5xx after retries)."""


class NotModified(FetchFailed):
    """A 304 to a conditional GET: nothing to download, no document."""


class Transient(FetchFailed):
    """A failure worth retrying (connect error, 5xx, 429)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class Fetched:
    final_url: str
    body: bytes
    content_type: str | None
    is_feed: bool
    is_sitemap: bool = False


@dataclass
class Job:
    url: str
    hints: dict = field(default_factory=dict)
    role: str = "source"  # source (a page, feed or sitemap) | entry (a page) | sitemap (an index's child)
    depth: int = 0


def same_resource(url: str) -> str:
    """``url`` without what never reaches the server or cannot change the answer: the fragment, the
    case of scheme and host, a default port. ``/a#one``, ``/a#two`` and ``HTTP://Host:80/a`` were
    fetched and stored as three documents."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[::1": refused, with the reason, when it is fetched
        return url
    scheme, netloc = parts.scheme.lower(), parts.netloc
    if "@" not in netloc:  # user info keeps its case
        netloc = netloc.lower()
        default = {"http": ":80", "https": ":443"}.get(scheme)
        if default and netloc.endswith(default):
            netloc = netloc[: -len(default)]
    return urlunsplit((scheme, netloc, parts.path, parts.query, ""))


def _host(url: str, part: str = "hostname") -> str:
    """The URL's host (or netloc), lower case; "" for a URL urlsplit refuses (a run-ending ValueError)."""
    try:
        return (getattr(urlsplit(url), part) or "").lower()
    except ValueError:
        return ""


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds()
        except (TypeError, ValueError):
            return None
    return max(0.0, min(seconds, MAX_RETRY_AFTER_S))


class Fetcher:
    """One HTTP client and the per-host limits shared by all fetches of a run."""

    def __init__(self, settings: Settings, stats: Counter, state: FetchState | None = None) -> None:
        self.settings = settings
        self.state = state if state is not None else FetchState()
        self.stats = stats
        self._stats_lock = threading.Lock()
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._hosts_lock = threading.Lock()
        self._failing: dict[str, tuple[int, str]] = {}  # host -> failures in a row, the last reason
        limits = httpx.Limits(max_connections=settings.fetch_concurrency,
                              max_keepalive_connections=settings.fetch_concurrency)
        self.client = httpx.Client(
            transport=guarded_transport(settings.allow_private, limits, settings.allow_link_local),
            headers={"User-Agent": settings.user_agent, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
            timeout=httpx.Timeout(settings.fetch_timeout_s),
            follow_redirects=False,
            trust_env=False,
        )
        self.robots = RobotsPolicy(self.client, settings, self.count)

    def close(self) -> None:
        self.client.close()

    def count(self, key: str, n: int = 1) -> None:
        with self._stats_lock:
            self.stats[key] += n

    def _host_slot(self, url: str) -> threading.BoundedSemaphore:
        host = _host(url)
        with self._hosts_lock:
            if host not in self._hosts:
                self._hosts[host] = threading.BoundedSemaphore(self.settings.fetch_per_host)
            return self._hosts[host]

    def fetch(self, url: str) -> Fetched:
        """Fetch one URL with retries; raises FetchFailed with the reason.

        A host that failed HOST_FAILURES fetches in a row is not asked again this run: a feed of
        thousands of links to a dead host cost 20 s (or three attempts) each, hours in all. Its
        URLs fail at once, saying why; not in the ledger, the next run tries them again."""
        host = _host(url, "netloc")
        with self._hosts_lock:
            failures, last = self._failing.get(host, (0, ""))
        if failures >= HOST_FAILURES:
            self.count("fetch_host_failing")
            raise FetchFailed(f"host failing: {host} failed {failures} fetches in a row (the last: {last}); "
                              "not asked again in this run")
        try:
            fetched = self._fetch_with_retries(url)
        except HostDown as exc:
            with self._hosts_lock:
                self._failing[host] = (self._failing.get(host, (0, ""))[0] + 1, str(exc))
            raise
        except FetchFailed:  # the host answered (404, not HTML, too large...): it is up
            with self._hosts_lock:
                self._failing.pop(host, None)
            raise
        with self._hosts_lock:
            self._failing.pop(host, None)
        return fetched

    def _fetch_with_retries(self, url: str) -> Fetched:
        attempt = 0
        while True:
            try:  # Crawl-delay: wait for the host's turn before the attempt's deadline starts
                self.robots.pace(url)
            except CrawlDelayDeferred as exc:
                raise FetchFailed(str(exc)) from None
            try:
                return self._fetch_once(url)
            except Transient as exc:
                if attempt >= RETRIES:
                    raise HostDown(f"{exc} (after {attempt + 1} attempts)") from None
                delay = BACKOFF_S * 2**attempt
                if exc.retry_after is not None:
                    delay = max(delay, exc.retry_after)
                self.count("fetch_retries")
                time.sleep(delay)
                attempt += 1

    def _fetch_once(self, url: str) -> Fetched:
        deadline = time.monotonic() + self.settings.fetch_timeout_s
        with fetch_deadline(deadline):  # connect, headers and body of every hop share one deadline
            return self._follow(url, deadline)

    def _follow(self, url: str, deadline: float) -> Fetched:
        settings = self.settings
        current = url
        for _hop in range(settings.fetch_max_redirects + 1):
            try:
                check_url(current, settings.allow_private, settings.allow_link_local)
            except RefusedURL as exc:
                raise FetchFailed(str(exc) if current == url else f"{exc} (redirected from {url})") from None
            except OSError as exc:
                raise FetchFailed(str(exc)) from None
            if refusal := self.robots.refusal(current):
                raise FetchFailed(refusal if current == url else f"{refusal} (redirected from {url})")
            with self._host_slot(current):
                result = self._request(current, deadline)
            if isinstance(result, Fetched):
                return result
            current = result  # a redirect target, checked at the top of the loop
        raise FetchFailed(f"too many redirects (more than {settings.fetch_max_redirects})")

    def _request(self, url: str, deadline: float) -> Fetched | str:
        """One HTTP exchange: a Fetched body, or the next URL for a redirect."""
        timeout_s = self.settings.fetch_timeout_s
        try:
            with self.client.stream("GET", url, headers=self.state.request_headers(url)) as response:
                status = response.status_code
                if status == 304:
                    self.state.record(url, 304, response.headers)
                    raise NotModified("not modified since the last poll")
                if status in REDIRECTS and response.headers.get("location"):
                    target = urljoin(str(response.url), response.headers["location"].strip())
                    try:
                        check_scheme(target)
                    except RefusedURL as exc:
                        raise FetchFailed(f"{exc} (redirected from {url})") from None
                    return target
                if status in REDIRECTS:
                    raise FetchFailed(f"bad redirect: HTTP {status} without a Location")
                if status == 429 or status >= 500:
                    raise Transient(f"HTTP {status} {response.reason_phrase}".strip(), _retry_after(response))
                if status >= 300 or status in (204, 205, 206):
                    raise FetchFailed(f"HTTP {status} {response.reason_phrase}".strip())
                content_type = response.headers.get("content-type")
                mime = _mime(content_type)
                gz_sitemap = sitemaps.may_be_gzip_sitemap(url, mime)
                if (mime and mime not in HTML_MIMES and not looks_like_feed(mime, b"") and mime not in XML_MIMES
                        and mime not in SNIFFED_MIMES and not gz_sitemap):
                    raise FetchFailed(f"not HTML: content-type {mime}")
                body = self._read_body(response, deadline)
                if status == 200:
                    self.state.record(str(response.url), 200, response.headers)
        except httpx.ConnectTimeout:
            raise Transient(f"connect timed out after {timeout_s:g} s") from None
        except httpx.TimeoutException:
            raise HostDown(f"timed out after {timeout_s:g} s") from None
        except httpx.ConnectError as exc:
            if _caused_by_tls(exc):  # a bad certificate does not get better by asking again
                raise FetchFailed(f"TLS error: {exc}") from None
            raise Transient(f"could not connect: {exc}") from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            if str(exc).startswith("Invalid URL in location header"):  # httpx reads Location before we do
                raise FetchFailed(f"bad redirect: {exc}".rstrip(".")) from None
            raise Transient(f"connection failed: {exc}") from None
        except httpx.DecodingError as exc:
            raise FetchFailed(f"could not decode the response: {exc}") from None
        except httpx.HTTPError as exc:
            raise FetchFailed(f"{type(exc).__name__}: {exc}") from None
        except RefusedURL as exc:  # the connect-time check disagreed with the earlier one (DNS changed)
            raise FetchFailed(str(exc)) from None
        except OSError as exc:  # name resolution inside the guarded transport
            raise FetchFailed(str(exc)) from None
        if gz_sitemap:
            try:
                body = sitemaps.gunzip_capped(body, self.settings.sitemap_max_bytes)
            except sitemaps.SitemapError as exc:
                raise FetchFailed(str(exc)) from None
        is_sitemap = sitemaps.looks_like_sitemap(body)
        if is_sitemap:
            return Fetched(str(response.url), body, content_type, False, True)
        looks_html = _looks_like_html(body)
        # a feed by its root element, or by its type unless the body is an HTML page (a page served as RSS
        # was "a feed with no entries")
        is_feed = looks_like_feed("", body) or (looks_like_feed(mime, b"") and not looks_html)
        if not is_feed and mime not in HTML_MIMES and not looks_html:  # the types let through above, read
            what = f"content-type {mime}" if mime else "no content-type"
            if not mime or mime in SNIFFED_MIMES:
                what += " and the body does not look like HTML"
            raise FetchFailed(f"not HTML: {what}")
        return Fetched(str(response.url), body, content_type, is_feed)

    def _read_body(self, response: httpx.Response, deadline: float) -> bytes:
        cap = self.settings.fetch_max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap and not response.headers.get("content-encoding"):
            raise FetchFailed(too_large(int(declared), cap, "NEWSFLOW_FETCH_MAX_BYTES"))
        chunks: list[bytes] = []
        total = 0
        try:
            decoder = ContentDecoder(response.headers.get("content-encoding"), cap)
            for raw in response.iter_raw():  # decoded here, capped per layer while inflating (limits.py)
                for chunk in decoder.feed(raw):
                    total += len(chunk)
                    if total > cap:
                        raise TooLarge(total)
                    chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise HostDown(f"timed out after {self.settings.fetch_timeout_s:g} s")
        except TooLarge:
            raise FetchFailed(too_large(cap, cap, "NEWSFLOW_FETCH_MAX_BYTES", at_least=True)) from None
        except (UnsupportedEncoding, zlib.error) as exc:
            raise FetchFailed(f"could not decode the response: {exc}") from None
        return b"".join(chunks)


def _caused_by_tls(exc: BaseException) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ssl.SSLError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _interleave_by_host(jobs: list[Job]) -> list[Job]:
    """Round-robin over hosts, so a long run of one host does not hold all threads."""
    queues: dict[str, deque[Job]] = defaultdict(deque)
    for job in jobs:
        queues[_host(job.url)].append(job)
    ordered: list[Job] = []
    while queues:
        for host in list(queues):
            ordered.append(queues[host].popleft())
            if not queues[host]:
                del queues[host]
    return ordered


def _error_doc(job: Job, reason: str) -> RawDocument:
    return RawDocument(without_password(job.url), "html", b"", hints=dict(job.hints), error=reason,
                       fetched_at=datetime.now(timezone.utc))


def _in_order(pool: ThreadPoolExecutor, one: Callable, jobs: Iterable[Job], window: int) -> Iterator[tuple]:
    """``one(job)`` for every job on the pool, at most ``window`` jobs submitted and not yet
    handed on: the pages held at any moment are bounded, however many a feed lists."""
    pending: deque = deque()
    for job in jobs:
        pending.append(pool.submit(one, job))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def iter_fetched_documents(
    urls: Iterable[str],
    settings: Settings,
    seen: Callable[[str], bool] | None = None,
    stats: Counter | None = None,
    state: FetchState | None = None,
) -> Iterator[RawDocument]:
    """Fetch pages, feeds and sitemaps (and their entries), yielding each document as soon as
    the ones before it are out: the pipeline batches them as they come, so memory is bounded
    by the batch and ``fetch_concurrency`` pages in flight, not by what a feed lists."""
    stats = stats if stats is not None else Counter()
    seen = seen or (lambda _url: False)
    fetcher = Fetcher(settings, stats, state)
    requested: set[str] = set()
    since = sitemaps.since_datetime(settings.since)
    window = max(1, settings.fetch_concurrency)

    def wanted(job: Job) -> bool:
        job.url = same_resource(job.url)
        if job.url in requested:
            return False
        requested.add(job.url)
        if job.role != "sitemap" and not settings.refetch and seen(without_password(job.url)):  # as stored
            stats["fetch_skipped_seen"] += 1
            return False
        return True

    queue: deque[Iterator[Job]] = deque()  # lists of jobs still to start; the newest first

    def pending() -> Iterator[Job]:
        """The next jobs, depth first: what a feed or sitemap lists comes before its siblings, and
        one index child at a time is expanded, so at most MAX_DEPTH sitemaps' entries wait here
        (level by level, an index of large sitemaps held all their entries at once)."""
        while queue:
            job = next(queue[0], None)
            if job is None:
                queue.popleft()
            elif wanted(job):
                yield job
                if job.role == "sitemap":
                    return

    def one(job: Job) -> tuple[Job, Fetched | str | None]:
        try:
            return job, fetcher.fetch(job.url)
        except NotModified:
            return job, None
        except FetchFailed as exc:
            return job, str(exc)
        except Exception as exc:  # never let one URL end the run
            return job, f"fetch failed: {type(exc).__name__}: {exc}"

    def expand_sitemap(job: Job, fetched: Fetched) -> tuple[list[Job], list[RawDocument]]:
        try:
            found = sitemaps.parse_sitemap(fetched.body, fetched.final_url, since)
        except sitemaps.SitemapError as exc:
            return [], [_error_doc(job, str(exc))]
        stats["sitemaps"] += 1
        stats["sitemap_entries_before_since"] += found.before_since
        errors = []
        if found.truncated:
            errors.append(_error_doc(job, f"sitemap lists more than {sitemaps.MAX_ENTRIES} entries (the protocol's "
                                          f"limit): only the first {sitemaps.MAX_ENTRIES} are read"))
        if found.is_index:
            if job.depth + 1 >= sitemaps.MAX_DEPTH:
                return [], [_error_doc(job, f"sitemap index nested deeper than {sitemaps.MAX_DEPTH} levels")]
            return [Job(e.loc, role="sitemap", depth=job.depth + 1) for e in found.entries], errors
        stats["sitemap_entries"] += len(found.entries)
        if not (found.entries or found.before_since):
            errors.append(_error_doc(job, "sitemap has no entries with a loc"))
        return [Job(e.loc, e.hints, role="entry", depth=job.depth + 1) for e in found.entries], errors

    def outcomes(job: Job, outcome: Fetched | str | None, following: list[Job]) -> Iterator[RawDocument]:
        if outcome is None:
            stats["fetch_not_modified"] += 1
        elif isinstance(outcome, str):
            yield _error_doc(job, outcome)
        elif outcome.is_sitemap and job.role in ("source", "sitemap"):
            jobs, errors = expand_sitemap(job, outcome)
            following.extend(jobs)
            yield from errors
        elif job.role == "sitemap":
            yield _error_doc(job, "not a sitemap: an index lists it, but its root is not urlset")
        elif outcome.is_sitemap:
            yield _error_doc(job, "a sitemap linked from a feed is not followed")
        elif outcome.is_feed and job.role == "source":
            stats["feeds"] += 1
            entries, no_link = parse_feed(outcome.body, outcome.final_url, outcome.content_type)
            stats["feed_entries"] += len(entries)
            stats["feed_entries_without_link"] += no_link
            if not entries:
                yield _page_doc(job, outcome, error="feed has no entries with a link")
            following.extend(Job(entry.link, entry.hints, role="entry") for entry in entries)  # links only: small
        elif outcome.is_feed:
            yield _error_doc(job, "a feed linked from a feed is not followed")
        else:
            yield _page_doc(job, outcome)

    pool = ThreadPoolExecutor(max_workers=window, thread_name_prefix="fetch")
    finished = False
    try:
        queue.append(iter(_interleave_by_host([Job(url) for url in urls])))
        while queue:
            for job, outcome in _in_order(pool, one, pending(), window):
                following: list[Job] = []
                for doc in outcomes(job, outcome, following):
                    stats["fetch_failed" if doc.error else "fetch_ok"] += 1
                    yield doc
                if following:
                    queue.appendleft(iter(_interleave_by_host(following)))
        finished = True
    finally:
        # Left early (a signal, the consumer stopped): do not wait here for fetches in flight; the run
        # cancels them (limits.cancel_fetches) after this, and each ends at its own deadline anyway.
        pool.shutdown(wait=finished, cancel_futures=True)
        if finished:
            fetcher.close()


def _page_doc(job: Job, fetched: Fetched, error: str | None = None) -> RawDocument:
    return RawDocument(without_password(job.url), "html", fetched.body, url=without_password(fetched.final_url),
                       hints=dict(job.hints), content_type=fetched.content_type,
                       fetched_at=datetime.now(timezone.utc), error=error)
