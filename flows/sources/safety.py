"""Which addresses a fetch may reach, checked on every hop and at connect time.

A pipeline that fetches URLs given by users, feeds and redirects can be turned
against the machine it runs on (server-side request forgery): a feed entry or a
redirect pointing at ``http://169.254.169.254/`` or ``http://127.0.0.1:8080/``
would read cloud credentials or local admin pages. So:

- only ``http`` and ``https`` are fetched, at the first hop and every redirect;
- every address a host name resolves to is checked (one private address among
  public ones refuses the name), and loopback, private, shared, reserved,
  multicast and unspecified addresses are refused unless ``allow_private``
  (``--allow-private``) is set;
- link-local addresses (169.254.0.0/16, fe80::/10) and the cloud metadata
  services (169.254.169.254, fd00:ec2::254, metadata.google.internal...) stay
  refused even with ``allow_private``: a private network is often a test set-up,
  the metadata service is where cloud credentials are. Only the separate
  ``allow_link_local`` (``--allow-link-local``) opens them;
- :class:`GuardedBackend` repeats the check inside the HTTP client at the
  moment of connecting and connects to the very address it checked, so a name
  that resolves differently the second time (DNS rebinding) cannot slip
  through.  Multicast and unspecified addresses are refused even with
  ``allow_private``: nothing useful is served there.
"""
from __future__ import annotations

import functools
import ipaddress
import socket
from urllib.parse import urlsplit

import httpcore
import httpx

from flows.sources.limits import DeadlineStream, connect_timeout

ALLOWED_SCHEMES = ("http", "https")
MAX_URL_CHARS = 65_536  # httpx's own limit: longer ones failed as "InvalidURL" (an unreadable_source row)
_ALLOW_HINT = "pass --allow-private to allow it"
_LINK_LOCAL_HINT = "pass --allow-link-local to allow it"
# Cloud instance metadata services (AWS, AWS IPv6, ECS tasks, Alibaba; GCP and Azure use 169.254.169.254 too)
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200"))
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata", "instance-data",
                            "instance-data.ec2.internal"})
_LINK_LOCAL_PROBLEMS = ("a link-local address", "a link-local address (a cloud metadata service)",
                        "a cloud metadata address", "a cloud metadata host")


class RefusedURL(Exception):
    """A URL or address the fetcher will not reach; the message is user-facing."""


def address_problem(ip: str, allow_private: bool, allow_link_local: bool = False) -> str | None:
    """Why ``ip`` may not be reached (e.g. "a loopback address"), or None."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if addr.is_multicast:
        return "a multicast address"
    if addr.is_unspecified:
        return "an unspecified address"
    if addr in METADATA_ADDRESSES or addr.is_link_local:
        if allow_link_local:
            return None
        return "a cloud metadata address" if addr in METADATA_ADDRESSES and not addr.is_link_local else (
            "a link-local address (a cloud metadata service)" if addr in METADATA_ADDRESSES else "a link-local address")
    if allow_private:
        return None
    for test, name in (
        (addr.is_loopback, "a loopback address"),
        (addr.is_link_local, "a link-local address"),
        (addr.is_reserved, "a reserved address"),
        (addr.is_private, "a private address"),
        (not addr.is_global, "not a public address"),
    ):
        if test:
            return name
    return None


def refusal(host: str, ip: str, problem: str, allow_private: bool) -> str:
    who = ip if host == ip else f"{host} resolves to {ip}, which"
    if problem in _LINK_LOCAL_PROBLEMS:
        hint = f"; {_LINK_LOCAL_HINT}"
    elif allow_private or problem in ("a multicast address", "an unspecified address"):
        hint = ""
    else:
        hint = f"; {_ALLOW_HINT}"
    return f"refused: {who} is {problem}{hint}"


def resolve(host: str, port: int) -> list[str]:
    """All addresses of ``host`` (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"could not resolve host {host}: {exc.strerror or exc}") from exc
    seen: list[str] = []
    for *_, sockaddr in infos:
        if sockaddr[0] not in seen:
            seen.append(sockaddr[0])
    return seen


def checked_addresses(host: str, port: int, allow_private: bool, allow_link_local: bool = False) -> list[str]:
    """Resolve ``host`` and return its addresses if every one may be reached.

    Raises RefusedURL naming the first forbidden address, OSError when the
    name does not resolve.
    """
    host = host.strip("[]")
    if not allow_link_local and host.lower().rstrip(".") in METADATA_HOSTS:
        raise RefusedURL(f"refused: {host} is a cloud metadata host; {_LINK_LOCAL_HINT}")
    addresses = resolve(host, port)
    for ip in addresses:
        problem = address_problem(ip, allow_private, allow_link_local)
        if problem:
            raise RefusedURL(refusal(host, ip, problem, allow_private))
    return addresses


def _split(url: str):
    try:
        return urlsplit(url)
    except ValueError as exc:  # "http://[::1" and the like
        raise RefusedURL(f"refused: not a valid URL: {url[:200]} ({exc})") from None


def check_scheme(url: str) -> None:
    scheme = _split(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise RefusedURL(f"refused: only http(s) URLs are fetched, not {scheme or 'a relative URL'}: {url[:200]}")


def check_url(url: str, allow_private: bool, allow_link_local: bool = False) -> None:
    """The per-hop check: scheme, host present, every address allowed.

    Raises RefusedURL (a policy refusal) or OSError (the name does not resolve).
    """
    check_scheme(url)
    if len(url) > MAX_URL_CHARS:
        raise RefusedURL(f"refused: URL too long ({len(url)} characters, limit {MAX_URL_CHARS}): {url[:200]}")
    parts = _split(url)
    if not parts.hostname:
        raise RefusedURL(f"refused: no host in URL {url[:200]}")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise RefusedURL(f"refused: bad port in URL {url[:200]} ({exc})") from None
    checked_addresses(parts.hostname, port, allow_private, allow_link_local)


class GuardedBackend(httpcore.SyncBackend):
    """httpcore network backend that checks the address it is about to dial.

    httpcore opens TLS afterwards with the original host name as SNI and for
    certificate checks, so dialling the checked IP keeps HTTPS intact.
    """

    def __init__(self, allow_private: bool, allow_link_local: bool = False) -> None:
        self.allow_private = allow_private
        self.allow_link_local = allow_link_local

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = checked_addresses(host, port, self.allow_private, self.allow_link_local)  # raises RefusedURL
        last: Exception | None = None
        for ip in addresses:
            try:  # the stream keeps every later read and write within the fetch's deadline (limits.py)
                return DeadlineStream(super().connect_tcp(ip, port, connect_timeout(timeout), local_address,
                                                          socket_options))
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last


@functools.lru_cache(maxsize=1)
def _ssl_context():
    """Loading the CA bundle takes tens of milliseconds: do it once per process."""
    return httpx.create_ssl_context(trust_env=False)


def guarded_transport(allow_private: bool, limits: httpx.Limits, allow_link_local: bool = False) -> httpx.HTTPTransport:
    """An httpx transport whose every connection goes through GuardedBackend.

    Environment proxies are ignored on purpose: a proxy would be dialled
    instead of the checked address.
    """
    transport = httpx.HTTPTransport(trust_env=False, limits=limits)
    transport._pool = httpcore.ConnectionPool(  # httpx has no public hook for a network backend
        ssl_context=_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(allow_private, allow_link_local),
    )
    return transport
