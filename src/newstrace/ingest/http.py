"""Fetch URLs over HTTP(S) with an overall deadline, a size limit and SSRF protection.

Every failure becomes a reason (a :class:`~newstrace.ingest.files.ReadError`).

SSRF protection: every connection goes through :class:`_VettingBackend`, the network
layer under httpx. It resolves the host itself (``socket.getaddrinfo``, so numeric forms
such as ``2130706433``, ``0x7f000001`` or ``127.1`` are seen as the address they mean),
refuses the host if *any* resolved address is loopback, private, link-local, multicast,
reserved, unspecified or otherwise not public, and then connects to exactly the address
it vetted, so a DNS answer that changes between check and connect (DNS rebinding) cannot
slip through. The HTTP layer still sees the original host, so the ``Host`` header, TLS
SNI and certificate checks are unchanged. Redirects are followed by hand (at most
:data:`MAX_REDIRECTS`); each hop's URL is checked (scheme) and each new connection it
needs is vetted again. Cloud metadata addresses are refused even when private addresses
are allowed. Environment proxies are ignored (``trust_env=False``): a proxy would make
the connection on our behalf, out of reach of the check.

Deadline: ``timeout`` is the whole fetch's budget (connect, TLS, every read, every
redirect); each socket operation is given at most the time left, and the body loop
checks the clock after every chunk, so a server dripping a byte at a time cannot hold
a fetch past it.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from newstrace.ingest.files import ReadError, too_large

USER_AGENT = "newstrace/0.1 (+https://github.com/newstrace)"
MAX_REDIRECTS = 5
ALLOW_HINT = "use --allow-private-addresses to fetch it"

#: refused even with ``allow_private``: instance credentials live there
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2",
))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: the resolver used for every connection (tests replace it)
resolve = socket.getaddrinfo


class Refused(ReadError):
    """A URL that is not fetched, by policy (its reason says why)."""


def _embedded_v4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried by an IPv4-mapped, NAT64 or 6to4 IPv6 address."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def address_kind(ip: IPAddress) -> str | None:
    """What makes ``ip`` internal ("a loopback address", ...), or None for a public one."""
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    inner = _embedded_v4(ip)
    if inner is not None:
        return address_kind(inner)
    for test, kind in (("is_unspecified", "an unspecified address"),
                       ("is_loopback", "a loopback address"),
                       ("is_link_local", "a link-local address"),
                       ("is_multicast", "a multicast address"),
                       ("is_reserved", "a reserved address"),
                       ("is_private", "a private address")):
        if getattr(ip, test):
            return kind
    if not ip.is_global:
        return "a non-public address"
    return None


def refusal(host: str, ip: IPAddress, *, allow_private: bool) -> str | None:
    """Why a connection to ``ip`` (which ``host`` resolved to) is refused, or None."""
    kind = address_kind(ip)
    if kind is None or (allow_private and ip not in METADATA_ADDRESSES):
        return None
    try:
        literal = ipaddress.ip_address(host.strip("[]")) == ip
    except ValueError:
        literal = False
    where = f"{host.strip('[]')} is" if literal else f"{host} resolves to {ip},"
    if ip in METADATA_ADDRESSES:
        return f"refused: {where} {kind}"
    return f"refused: {where} {kind} ({ALLOW_HINT})"


def vet_host(host: str, port: int, *, allow_private: bool) -> list[tuple[int, str]]:
    """Resolve ``host`` and return its (family, address) pairs, all allowed; raise
    :class:`Refused` if any of them is not, httpcore.ConnectError if it cannot be resolved."""
    try:
        infos = resolve(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    vetted: list[tuple[int, str]] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        text = str(sockaddr[0])
        ip = ipaddress.ip_address(text.split("%", 1)[0])
        reason = refusal(host, ip, allow_private=allow_private)
        if reason:
            raise Refused(reason)
        if (family, text) not in vetted:
            vetted.append((family, text))
    if not vetted:
        raise httpcore.ConnectError(f"no IPv4 or IPv6 address for {host}")
    return vetted


def check_url(url: httpx.URL, *, allow_private: bool) -> None:
    """The per-hop check of a URL before it is requested: scheme and, if the host is
    an address already, the address (host names are vetted when connecting)."""
    if url.scheme not in ("http", "https"):
        raise Refused(f"refused: {url.scheme or 'no'} scheme (only http and https are fetched)")
    if not url.host:
        raise ReadError("invalid URL: no host")
    try:
        ip = ipaddress.ip_address(url.host)
    except ValueError:
        return
    reason = refusal(url.host, ip, allow_private=allow_private)
    if reason:
        raise Refused(reason)


class _Deadline(threading.local):
    at: float | None = None

    def left(self, timeout: float | None, error: type[Exception]) -> float | None:
        """``timeout`` cut to the time left; raises ``error`` when none is."""
        if self.at is None:
            return timeout
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise error("deadline passed")
        return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation ends by the fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname,
                                      self._deadline.left(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _VettingBackend(httpcore.NetworkBackend):
    """Resolve, vet every address, connect to a vetted address only, within the deadline."""

    def __init__(self, *, allow_private: bool, deadline: _Deadline) -> None:
        self.allow_private = allow_private
        self.deadline = deadline
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        addresses = vet_host(host, port, allow_private=self.allow_private)
        error: Exception | None = None
        for _family, address in addresses:  # an IP literal: no second DNS lookup
            try:
                stream = self._backend.connect_tcp(
                    address, port, self.deadline.left(timeout, httpcore.ConnectTimeout),
                    local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
                continue
            return _DeadlineStream(stream, self.deadline)
        assert error is not None
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:
        raise Refused("refused: unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _VettingTransport(httpx.HTTPTransport):
    """httpx's transport over :class:`_VettingBackend` (no proxies)."""

    def __init__(self, backend: _VettingBackend) -> None:
        super().__init__(trust_env=False)
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise RuntimeError("httpx internals changed: cannot install the vetting backend")
        limits = httpx.Limits()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class Fetcher:
    """One HTTP client for a whole ingest (connection reuse), created on first use.

    ``timeout`` is each fetch's overall deadline in seconds (redirects included);
    ``allow_private`` lets the operator fetch loopback, private and link-local
    addresses (cloud metadata addresses stay refused).
    """

    def __init__(self, *, timeout: float, max_bytes: int, allow_private: bool = False) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self._deadline = _Deadline()
        self._client: httpx.Client | None = None

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            backend = _VettingBackend(allow_private=self.allow_private, deadline=self._deadline)
            self._client = httpx.Client(
                timeout=httpx.Timeout(self.timeout), follow_redirects=False, trust_env=False,
                transport=_VettingTransport(backend), headers={"User-Agent": USER_AGENT},
            )
        return self._client

    def get(self, url: str) -> tuple[bytes, str, str | None]:
        """Body, final URL and declared charset of ``url``; raises ReadError with the reason."""
        self._deadline.at = time.monotonic() + self.timeout
        try:
            return self._get(url)
        except httpx.TimeoutException as exc:
            raise ReadError(f"timed out after {self.timeout:g} s") from exc
        except httpx.InvalidURL as exc:
            raise ReadError(f"invalid URL: {exc}") from exc
        except httpx.HTTPError as exc:
            raise ReadError(f"cannot fetch: {type(exc).__name__}: {exc}") from exc
        finally:
            self._deadline.at = None

    def _get(self, url: str) -> tuple[bytes, str, str | None]:
        target = httpx.URL(url)
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(target, allow_private=self.allow_private)
            request = self.client.build_request("GET", target)
            response = self.client.send(request, stream=True)
            try:
                location = response.headers.get("location")
                if response.is_redirect and location:
                    target = response.url.join(location)
                    continue
                return self._body(response)
            finally:
                response.close()
        raise ReadError("too many redirects")

    def _body(self, response: httpx.Response) -> tuple[bytes, str, str | None]:
        if response.status_code >= 400:
            raise ReadError(f"HTTP {response.status_code} {response.reason_phrase}")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise ReadError(f"response is {too_large(int(declared), self.max_bytes)}")
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > self.max_bytes:
                raise ReadError(f"response is over the {self.max_bytes / 1e6:g} MB limit")
            if self._deadline.at is not None and time.monotonic() > self._deadline.at:
                raise ReadError(f"timed out after {self.timeout:g} s")
        return bytes(body), str(response.url), response.charset_encoding
