"""Request guards of the API and web UI: Host allow-list, Origin check, streaming body
cap, security headers (:class:`Guard`, an ASGI middleware) and CSRF tokens (:class:`Csrf`).

Who may write (bearer token, UI sign-in cookie) is decided in one place,
:func:`newstrace.service.auth.authorise`; the write routes' dependencies in
:mod:`newstrace.service.deps` add the CSRF and content-type checks.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; object-src 'none'; "
       "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = [(b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: names a browser may send as Host besides the bound address; IP literals are always
#: fine (DNS rebinding needs a name the attacker controls)
DEFAULT_HOSTS = frozenset({"localhost"})
_HOST_RE = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?$")


class BodyTooLarge(HTTPException):
    """A body over the cap, raised while it streams in (so it stops being read)."""

    def __init__(self, cap: int) -> None:
        super().__init__(413, f"request body too large (over {cap} bytes)")


def host_name(value: str) -> str | None:
    """The name part of a Host header, lower-case, brackets off; None when malformed.

    >>> host_name("[::1]:8000"), host_name("LocalHost"), host_name("a b")
    ('::1', 'localhost', None)
    """
    m = _HOST_RE.match(value.strip())
    if not m:
        return None
    return m.group(1).strip("[]").lower()


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _origin(scheme: str, netloc: str) -> str:
    """``scheme://host[:port]`` lower-cased, the scheme's default port dropped."""
    netloc = netloc.lower()
    for default in ((":80",) if scheme == "http" else (":443",) if scheme == "https" else ()):
        netloc = netloc.removesuffix(default)
    return f"{scheme.lower()}://{netloc}"


class Guard:
    """A plain ASGI middleware over every HTTP request.

    * a Host header outside the allow-list: 400 (DNS rebinding);
    * an unsafe method whose Origin (or, without one, Referer) is not this server: 403;
    * a body over ``max_upload`` bytes: 413, told by Content-Length up front or counted
      while the body streams in (the app stops reading at the cap, nothing more is written);
    * security headers on every response.

    (Starlette's ``@app.middleware("http")`` re-streams every response through a task
    and a queue, a real share of a small request's cost under load: hence plain ASGI.)
    """

    def __init__(self, app: Any, max_upload: int, allowed_hosts: Iterable[str] = ()) -> None:
        self.app, self.max_upload = app, max_upload
        self.allowed = DEFAULT_HOSTS | {h.strip("[]").lower() for h in allowed_hosts}

    def host_ok(self, host: str) -> bool:
        name = host_name(host)
        return name is not None and (name in self.allowed or _is_ip(name))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if not self.host_ok(host):
            await self._refuse(send, 400, "Host header not allowed")
            return
        if scope["method"] in UNSAFE_METHODS:
            claimed = headers.get("origin")
            if claimed is None and "referer" in headers:
                ref = urlsplit(headers["referer"])
                claimed = _origin(ref.scheme, ref.netloc) if ref.scheme else "null"
            if claimed is not None:
                parts = urlsplit(claimed)
                if (not parts.scheme or _origin(parts.scheme, parts.netloc)
                        != _origin(scope.get("scheme", "http"), host)):
                    await self._refuse(send, 403, "cross-origin request refused")
                    return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_upload:
            await self._refuse(send, 413, BodyTooLarge(self.max_upload).detail)
            return
        seen = 0
        started = False

        async def counted_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_upload:
                    raise BodyTooLarge(self.max_upload)
            return message

        async def send_secured(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), *SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, counted_receive, send_secured)
        except BodyTooLarge as exc:  # raised where no exception handler turned it into 413
            if not started:
                await self._refuse(send, 413, str(exc.detail))

    @staticmethod
    async def _refuse(send: Any, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close"), *SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": body})


class Csrf:
    """Double-submit CSRF tokens keyed by a secret (the store's, shared by every worker
    serving it; a random one of this process's if none is given).

    The browser holds a random nonce in a ``SameSite=Strict``, ``HttpOnly`` cookie; pages
    embed ``HMAC(secret, nonce)`` in their forms' action URL (``?csrf_token=``, so it is
    checked before the body is read); API clients send it as ``X-CSRF-Token`` (from
    ``GET /api/csrf``). A request is genuine when the token matches its cookie.
    """

    COOKIE = "newstrace_csrf"
    AUTH_COOKIE = "newstrace_auth"
    HEADER = "x-csrf-token"
    FIELD = "csrf_token"

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def _mac(self, what: str) -> str:
        return hmac.new(self._secret, what.encode(), hashlib.sha256).hexdigest()

    def nonce(self, request: Request) -> str:
        """``request``'s nonce cookie, or a new nonce when it has none."""
        nonce = request.cookies.get(self.COOKIE, "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{32,64}", nonce):
            nonce = secrets.token_urlsafe(32)
        return nonce

    def token(self, nonce: str) -> str:
        """The CSRF token that goes with ``nonce`` (what a form embeds)."""
        return self._mac("csrf:" + nonce)

    def set_cookie(self, response: Response, nonce: str) -> None:
        """Give the browser ``nonce`` (again): the page's forms carry its token."""
        response.set_cookie(self.COOKIE, nonce, httponly=True, samesite="strict", path="/")

    def cookie_header(self, nonce: str) -> tuple[bytes, bytes]:
        """The raw ``Set-Cookie`` header :meth:`set_cookie` adds, for a response put
        together outside a route (a cached page, :mod:`newstrace.service.response_cache`)."""
        carrier = Response()
        self.set_cookie(carrier, nonce)
        return next((k, v) for k, v in carrier.raw_headers if k == b"set-cookie")

    def issue(self, request: Request, response: Response) -> str:
        """The token for ``request``'s nonce, the nonce set as cookie on ``response``."""
        nonce = self.nonce(request)
        self.set_cookie(response, nonce)
        return self.token(nonce)

    def valid(self, request: Request) -> bool:
        """Whether ``request`` carries the token of its own nonce cookie (header or
        query string: never the body, which is not read yet)."""
        nonce = request.cookies.get(self.COOKIE, "")
        given = request.headers.get(self.HEADER) or request.query_params.get(self.FIELD) or ""
        return bool(nonce) and hmac.compare_digest(given.encode(),
                                                   self._mac("csrf:" + nonce).encode())

    # the web UI's sign-in (token servers): a cookie standing for "gave the token"
    def sign_in(self, response: Response) -> None:
        """Set the sign-in cookie; only :mod:`newstrace.service.auth` calls this, after
        checking the token."""
        response.set_cookie(self.AUTH_COOKIE, self._mac("auth"), httponly=True,
                            samesite="strict", path="/")

    def signed_in(self, request: Request) -> bool:
        """Whether ``request`` has the sign-in cookie (a fact; whether it counts is
        :func:`newstrace.service.auth.authorise`'s call)."""
        return hmac.compare_digest(request.cookies.get(self.AUTH_COOKIE, "").encode(),
                                   self._mac("auth").encode())
