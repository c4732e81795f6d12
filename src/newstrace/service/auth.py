"""The one decision of who may write: :func:`authorise`, used by the API's and the web
UI's write routes alike (through :mod:`newstrace.service.deps`) and by the web pages
that show an upload form or a sign-in form.

A server without a token lets anyone write (forms still need a CSRF token: the
browser of someone on the same machine must not be used by another site). A server
with a token wants ``Authorization: Bearer <token>``, or, for the web UI's form
routes, the sign-in cookie that :func:`sign_in` sets after the user gave the token.
Which address the server may be bound to without a token is decided at start-up
(:func:`newstrace.server.serve`).
"""

from __future__ import annotations

import secrets
from enum import Enum

from fastapi import Request, Response

from newstrace.service.state import Service


class Grant(Enum):
    """Why a request may write."""

    OPEN = "open"      # the server has no token
    BEARER = "bearer"  # a valid bearer token: no CSRF token needed (no browser sends it)
    COOKIE = "cookie"  # the web UI's sign-in cookie (forms only, with a CSRF token)


def token_matches(given: str, token: str) -> bool:
    """Constant-time comparison, an empty ``given`` never matching."""
    return bool(given) and secrets.compare_digest(given.encode(), token.encode())


def authorise(request: Request, service: Service, *, cookie: bool) -> Grant | None:
    """Whether ``request`` may write, and why; None when it may not.

    ``cookie``: the sign-in cookie counts (the web UI's form routes), unless the
    request brings an ``Authorization`` header, which then decides alone.
    """
    if service.token is None:
        return Grant.OPEN
    header = request.headers.get("authorization", "")
    if header.startswith("Bearer ") and token_matches(header.removeprefix("Bearer ").strip(),
                                                      service.token):
        return Grant.BEARER
    if cookie and not header and service.csrf.signed_in(request):
        return Grant.COOKIE
    return None


def sign_in(service: Service, given: str, response: Response) -> bool:
    """The web UI's sign-in: when ``given`` is the server's token, set the cookie that
    :func:`authorise` accepts on form routes; False (nothing set) otherwise."""
    if service.token is None or not token_matches(given, service.token):
        return False
    service.csrf.sign_in(response)
    return True
