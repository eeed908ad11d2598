"""robots.txt, honoured per host: which URLs may be fetched, and how fast.

Each host's ``/robots.txt`` is fetched once per run (the first URL of a host
waits for it; the others reuse it) and parsed with Protego, Scrapy's parser
(RFC 9309 precedence: the longest matching rule wins, ``Allow`` on a tie;
``*`` and ``$`` wildcards; the group of the most specific user-agent token,
here ``newsflow``, else ``*``).

- A disallowed URL is not fetched: it ends as an error document whose reason
  names the rule, e.g. ``robots.txt disallows http://host/private/a:
  Disallow: /private/ (User-agent: *)`` (quarantine reason
  ``robots_disallowed``). Redirect targets are checked too.
- ``Crawl-delay`` (or ``Request-rate``) paces fetches from that host: one
  fetch (an attempt and its redirects) starts at most every ``delay``
  seconds (capped by ``robots_max_crawl_delay_s``), whatever the thread
  count. The wait comes before the fetch's own deadline starts. A URL whose
  slot would come more than ``robots_max_host_wait_s`` (15 minutes) after it
  asks is not fetched in this run (``CrawlDelayDeferred``: an error document,
  quarantine reason ``crawl_delay_deferred``) and is tried by the next run: a
  feed of 1,000 links to a host asking 60 s between requests took 16 hours
  of one run; it now takes 15 minutes of each run until all are fetched.
- Per RFC 9309: a robots.txt that is missing (4xx) allows everything; one
  answered with 5xx means "do not crawl now": the host's URLs are refused. A
  robots.txt that cannot be reached at all (connection refused, TLS error)
  allows everything, and the page fetch then reports the real failure. Its
  read has a total deadline (``fetch_timeout_s``) and its content encodings
  are undone with the size cap applied while inflating (flows.sources.limits).
- ``settings.ignore_robots`` (``--ignore-robots``) skips all of it: for one's
  own sites.
"""
from __future__ import annotations

import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from protego import Protego

from flows.sources.limits import ContentDecoder, TooLarge, UnsupportedEncoding, fetch_budget
from flows.sources.safety import RefusedURL, check_url

ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: parse at least 500 KiB; the rest is ignored
MAX_REDIRECTS = 5  # RFC 9309: follow at least five


class CrawlDelayDeferred(Exception):
    """The host's next Crawl-delay slot is too far away for this run; the message says why."""


@dataclass
class HostRules:
    """What one host's robots.txt says, as far as this crawler is concerned."""

    parser: Protego | None  # None: everything allowed
    delay: float = 0.0  # seconds between request starts
    refuse_all: str | None = None  # a reason to refuse every URL (robots.txt answered 5xx)
    next_start: float = 0.0  # monotonic time the next request may start


def host_key(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL: its fetch is refused with the reason (safety.check_url)
        return ""
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


def matching_rule(parser: Protego, url: str, user_agent: str) -> str:
    """The rule that refuses ``url``, as written in robots.txt (``Disallow: /private/ (User-agent: *)``).

    Protego decides; it does not say which rule did, so this asks its rule
    set (a private API, pinned in requirements.lock) and falls back to a
    generic text."""
    try:
        from protego._utils import _quote_path

        rule_set = parser._get_matching_rule_set(user_agent)
        path = _quote_path(url)
        for rule in rule_set._rules:
            if rule.value.match(path):
                return f"Disallow: {unquote(rule.value._pattern)} (User-agent: {rule_set.user_agent})"
    except Exception:  # noqa: BLE001 - only the wording depends on it
        pass
    return "a Disallow rule"


class RobotsPolicy:
    """robots.txt of every host met in one run, fetched once and kept."""

    def __init__(self, client: httpx.Client, settings, count=None) -> None:
        self.client = client
        self.settings = settings
        self.count = count or (lambda key, n=1: None)
        self._hosts: dict[str, HostRules] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return not self.settings.ignore_robots

    def _rules(self, url: str) -> HostRules:
        key = host_key(url)
        if not key:
            return HostRules(None)
        with self._lock:
            if key in self._hosts:
                return self._hosts[key]
            host_lock = self._locks.setdefault(key, threading.Lock())
        with host_lock:  # one fetch of robots.txt per host; the others wait for it
            with self._lock:
                if key in self._hosts:
                    return self._hosts[key]
            rules = self._load(key)
            with self._lock:
                self._hosts[key] = rules
            return rules

    def refusal(self, url: str) -> str | None:
        """Why robots.txt forbids fetching ``url``, or None when it may be fetched."""
        if not self.enabled:
            return None
        rules = self._rules(url)
        if rules.refuse_all:
            self.count("robots_disallowed")
            return f"robots.txt disallows {url}: {rules.refuse_all}"
        if rules.parser is None or rules.parser.can_fetch(url, self.settings.user_agent):
            return None
        self.count("robots_disallowed")
        return f"robots.txt disallows {url}: {matching_rule(rules.parser, url, self.settings.user_agent)}"

    def pace(self, url: str) -> float:
        """Wait for this host's next request slot (Crawl-delay); returns the seconds waited."""
        if not self.enabled:
            return 0.0
        rules = self._rules(url)
        if rules.delay <= 0:
            return 0.0
        with self._lock:
            now = time.monotonic()
            start = max(now, rules.next_start)
            if start - now > self.settings.robots_max_host_wait_s:  # no slot is taken: the run goes on without it
                self.count("robots_crawl_delay_deferred")
                raise CrawlDelayDeferred(
                    f"crawl delay: {host_key(url)} asks {rules.delay:g} s between requests, and its next free "
                    f"slot is more than {self.settings.robots_max_host_wait_s:g} s away "
                    "(NEWSFLOW_ROBOTS_MAX_HOST_WAIT_S); the next run fetches it")
            rules.next_start = start + rules.delay
        wait = start - now
        if wait > 0:
            self.count("robots_crawl_delay_waits")
            time.sleep(wait)
        return wait

    def _load(self, key: str) -> HostRules:
        url = key + "/robots.txt"
        try:
            with fetch_budget(self.settings.fetch_timeout_s):  # a trickled robots.txt must not hold the host
                status, body = self._fetch(url)
        except (httpx.HTTPError, RefusedURL, OSError, UnsupportedEncoding, zlib.error, ValueError):
            self.count("robots_unreachable")
            return HostRules(None)
        self.count("robots_fetched")
        if status >= 500 or status == 429:
            return HostRules(None, refuse_all=f"robots.txt answered HTTP {status}, which means do not crawl now")
        if status >= 400:
            return HostRules(None)  # no robots.txt: everything is allowed
        parser = Protego.parse(body.decode("utf-8", errors="replace"))
        ua = self.settings.user_agent
        delay = parser.crawl_delay(ua) or 0.0
        rate = parser.request_rate(ua)
        if rate is not None and rate.requests > 0:
            delay = max(delay, rate.seconds / rate.requests)
        return HostRules(parser, min(float(delay), self.settings.robots_max_crawl_delay_s))

    def _fetch(self, url: str) -> tuple[int, bytes]:
        """GET robots.txt, following redirects (each hop checked like any fetch), body capped while
        it is inflated (httpx's own decoders inflate a stacked ``gzip, gzip`` chunk whole)."""
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(current, self.settings.allow_private)
            with self.client.stream("GET", current, headers={"Accept": "text/plain,*/*;q=0.5"}) as response:
                if response.status_code in (301, 302, 303, 307, 308) and response.headers.get("location"):
                    current = urljoin(str(response.url), response.headers["location"].strip())
                    continue
                if response.status_code != 200:
                    return response.status_code, b""
                decoder = ContentDecoder(response.headers.get("content-encoding"), ROBOTS_MAX_BYTES)
                chunks, total = [], 0
                try:
                    for raw in response.iter_raw():
                        for chunk in decoder.feed(raw):
                            chunks.append(chunk)
                            total += len(chunk)
                            if total >= ROBOTS_MAX_BYTES:
                                raise TooLarge(total)
                except TooLarge:
                    pass  # RFC 9309: the first 500 KiB are enough
                return 200, b"".join(chunks)[:ROBOTS_MAX_BYTES]
        return 404, b""  # too many redirects: RFC 9309 treats it as unavailable (allow)
