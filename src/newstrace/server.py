"""The server: the HTTP API and the web UI assembled into one FastAPI app over one
store (:func:`create_app`), and ``newstrace serve`` (:func:`serve`).

This is the only module that imports both edges; the API (:mod:`newstrace.api`) and
the web UI (:mod:`newstrace.web`) know only the library facade and the shared
:mod:`newstrace.service` package.

Reads are open; writes (ingest, analyze) need ``Authorization: Bearer <token>`` when
the app has a token, and form/multipart writes without one a CSRF token. Every
response carries a strict CSP (see :mod:`newstrace.service.security`). The answers of
the read routes are kept in each process until the store changes
(:mod:`newstrace.service.response_cache`).

    uvicorn --factory newstrace.server:app_from_env
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI

from newstrace import __version__, api
from newstrace.service.response_cache import DEFAULT_BUDGET, ResponseCache
from newstrace.service.security import CSP, Guard
from newstrace.service.state import DEFAULT_MAX_UPLOAD, Service
from newstrace.web import mount_web

__all__ = ["CSP", "DEFAULT_MAX_UPLOAD", "app_from_env", "create_app", "is_loopback", "serve"]

#: the only binds that count as loopback for the token rule: not 127.0.0.2 (another
#: host's view of the loopback net), not 0.0.0.0 / :: (every interface), not a name
LOOPBACK = {"127.0.0.1", "::1", "[::1]"}
DESCRIPTION = ("Trace news claims to their origin: articles, stories, claims, reuse, "
               "provenance. Write endpoints need a bearer token when set.")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.service.close()


def create_app(store_url: str | None, *, token: str | None = None,
               max_upload_bytes: int = DEFAULT_MAX_UPLOAD, web: bool = True,
               allowed_hosts: Iterable[str] = (),
               response_cache_bytes: int = DEFAULT_BUDGET) -> FastAPI:
    """The API (and, with ``web``, the web UI) over the store at ``store_url``.

    ``allowed_hosts``: names besides ``localhost`` (and any IP address) that may appear
    in the Host header, e.g. the name the server is bound to; others get 400.
    ``response_cache_bytes``: what this process keeps of the read routes' answers
    (:mod:`newstrace.service.response_cache`; 0: nothing).
    """
    service = Service.open(store_url, token=token, max_upload=max_upload_bytes)
    app = FastAPI(title="newstrace", lifespan=_lifespan, version=__version__, docs_url=None,
                  redoc_url=None, description=DESCRIPTION)
    app.state.service = service
    # for code outside a request (tests, serve's banner): the same objects
    app.state.store, app.state.jobs, app.state.csrf = service.store, service.jobs, service.csrf
    for router in api.ROUTERS:
        app.include_router(router)
    api.install(app)
    if web:
        mount_web(app)
    # inside the guard: its checks and headers apply to cached answers too
    app.add_middleware(ResponseCache, service=service, budget=response_cache_bytes)
    app.add_middleware(Guard, max_upload=max_upload_bytes, allowed_hosts=allowed_hosts)
    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory newstrace.server:app_from_env`` (and the workers of
    ``newstrace serve --workers N``): the store from ``NEWSTRACE_DB``, the token from
    ``NEWSTRACE_TOKEN``, extra host names from ``NEWSTRACE_ALLOWED_HOSTS`` (commas)."""
    hosts = [h for h in os.environ.get("NEWSTRACE_ALLOWED_HOSTS", "").split(",") if h]
    return create_app(os.environ.get("NEWSTRACE_DB"), token=os.environ.get("NEWSTRACE_TOKEN"),
                      allowed_hosts=hosts)


def is_loopback(host: str) -> bool:
    """
    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    >>> is_loopback("127.0.0.2"), is_loopback("localhost")
    (False, False)
    """
    return host.strip().lower() in LOOPBACK


def tcp_listener(sock: socket.socket) -> socket.socket:
    """``sock``, the listening socket uvicorn binds for its worker processes, as one
    whose connections get ``TCP_NODELAY``.

    uvicorn creates it with protocol 0, the connections the workers accept inherit
    that, and asyncio turns Nagle's algorithm off only for a socket that says
    ``IPPROTO_TCP`` (uvicorn issue 3149): every keep-alive answer sent as two writes
    (head, then body) then waited for the client's delayed ACK, some 40 ms on Linux,
    in each worker of ``--workers N`` and never with one. The same descriptor, told
    its protocol, with the option set on it too (Linux copies it to what it accepts).

    >>> import socket
    >>> raw = socket.socket()
    >>> fixed = tcp_listener(raw)
    >>> fixed.proto == socket.IPPROTO_TCP, fixed.getsockopt(
    ...     socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    (True, True)
    >>> fixed.close()
    """
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return sock  # a Unix socket has no Nagle to turn off
    fixed = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    fixed.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    fixed.set_inheritable(True)
    return fixed


def serve(db: str | None, *, host: str = "127.0.0.1", port: int = 8000,
          token: str | None = None, echo: Callable[[str], None] = print,
          allowed_hosts: Sequence[str] = (), workers: int = 1) -> int:
    """Run the server; 2 when bound off loopback without a token (anyone who can reach
    the port could write). ``allowed_hosts``: host names clients may send besides the
    bound host, localhost and IP addresses.

    ``workers`` > 1: that many processes (uvicorn's workers, each its own app from
    :func:`app_from_env`) share the port, so that requests use more than one core. They
    share what must be shared through the store: the CSRF and sign-in secret
    (:meth:`Store.shared_secret`) and the generation token the result caches key on;
    each has its own job queue (a job's page is served by the worker that started it,
    and the store's analysis lock keeps two analyses from overlapping).
    """
    if not is_loopback(host) and not token:
        echo(f"error: refusing to bind {host} without a token; pass --token or set "
             "NEWSTRACE_TOKEN (write endpoints need it off loopback)")
        return 2
    import uvicorn

    if workers > 1:
        from newstrace.store import Store

        with Store.open(db) as store:  # migrated once, before the workers start
            url = store.url
        os.environ["NEWSTRACE_ALLOWED_HOSTS"] = ",".join([host, *allowed_hosts])
        if db:
            os.environ["NEWSTRACE_DB"] = db
        if token:
            os.environ["NEWSTRACE_TOKEN"] = token
        echo(f"newstrace: serving on http://{host}:{port}/ with {workers} workers "
             f"(store {url})")
        from uvicorn.supervisors import Multiprocess

        config = uvicorn.Config("newstrace.server:app_from_env", factory=True, host=host,
                                port=port, workers=workers, log_level="warning")
        # what uvicorn.run does for workers, with the listener that keeps TCP_NODELAY
        with suppress(KeyboardInterrupt):
            Multiprocess(config, sockets=[tcp_listener(config.bind_socket())]).run()
        return 0
    app = create_app(db, token=token or None, allowed_hosts=[host, *allowed_hosts])
    echo(f"newstrace: serving on http://{host}:{port}/ (store {app.state.store.url})")
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
