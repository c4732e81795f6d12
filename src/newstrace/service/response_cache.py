"""Whole responses of the read routes kept in each server process (:class:`ResponseCache`,
a plain ASGI middleware): a page or a listing asked again is sent from memory, without
reading the store or rendering anything, until the store changes.

What a cached answer is keyed by, and why it is never one that was replaced:

* a generation token of the store (:mod:`newstrace.store.listing`), read before the
  answer is made and changed by every write that answer could show, by any process
  (the other workers of ``newstrace serve --workers N``, a CLI ingest). The answers
  made of analysis results (the stories and section pages, a story, the result
  listings and items: :data:`RULES` ``"results"``) key on
  :meth:`~newstrace.store.Store.results_generation`, which an ingest of articles that
  no result names, of outlets stored already, leaves alone: they live through an
  ingest beside the readers. Whatever shows articles, their count or a search of them
  (``"store"``) keys on :meth:`~newstrace.store.Store.generation`, changed by every
  write;
* the method (GET only), the path and the query string, normalised (decoded, its
  parameters sorted by name, repeated ones kept in order: the value a route reads is
  the same);
* for HTML, whether the browser is signed in (a token server's pages differ by it).

A page's forms carry a CSRF token made from a per-browser nonce cookie
(:class:`~newstrace.service.security.Csrf`): a cached body must not hold one browser's
token for the next. The page is rendered once with a random placeholder of the token's
length (the web UI's ``render`` asks the scope for it, see :data:`CSRF_SLOT`), and each
response gets its browser's own token put in and its nonce cookie set, as an uncached
page would.

A JSON answer carries an ``ETag`` made of the token and the key (and the version), so
that a client that sends it back as ``If-None-Match`` while nothing changed gets a 304
without the answer being looked up or made; every response says ``X-Newstrace-Cache:
hit``, ``miss`` or ``revalidated``.

The memory is bounded by bytes: least recently used answers go first, one generation
at a time (:class:`~newstrace.corpus_view.GenerationCache`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request

from newstrace import __version__
from newstrace.corpus_view import GenerationCache
from newstrace.service.auth import Grant, authorise
from newstrace.service.state import Service
from newstrace.store.listing import read_generations

#: the bytes of answers one process keeps, by default (both token's caches together)
DEFAULT_BUDGET = 128 * 1024 * 1024
#: the ASGI scope key under which a page being cached finds the placeholder its forms
#: carry instead of the CSRF token (absent: the page puts the token in itself)
CSRF_SLOT = "newstrace.csrf_placeholder"
HEADER = b"x-newstrace-cache"
_RESULT_KINDS = "stories|claims|entities|reuse|citations|anomalies"


@dataclass(frozen=True)
class Rule:
    """How the answers of some paths are cached: ``on`` the ``"results"`` token or the
    ``"store"`` one; ``html``: a page (its CSRF token put in per response, keyed by
    the sign-in) rather than JSON (with an ETag)."""

    on: str
    html: bool


RESULTS_HTML, STORE_HTML = Rule("results", True), Rule("store", True)
RESULTS_JSON, STORE_JSON = Rule("results", False), Rule("store", False)
#: the cached routes: what each shows decides its token. Not cached: jobs and their
#: pages (a job's progress is not store content), ``/api/csrf`` (a token per browser),
#: static files (they have their own Cache-Control)
RULES: tuple[tuple[re.Pattern[str], Rule], ...] = tuple(
    (re.compile(pattern), rule) for pattern, rule in (
        (r"/", RESULTS_HTML),
        (r"/stories/[^/]+", RESULTS_HTML),
        (r"/(claims|reuse|entities|citations|anomalies)", RESULTS_HTML),
        (rf"/api/({_RESULT_KINDS})(/[^/]+)?", RESULTS_JSON),
        (r"/api/events", RESULTS_JSON),
        (r"/articles(/[^/]+)?", STORE_HTML),
        (r"/upload", STORE_HTML),
        (r"/api/articles(/[^/]+)?", STORE_JSON),
        (r"/api/(outlets|health|graph|report)", STORE_JSON),
    ))


def rule_for(path: str) -> Rule | None:
    """The rule of ``path``, None when its answers are not cached.

    >>> rule_for("/stories/s1") == RESULTS_HTML, rule_for("/api/articles") == STORE_JSON
    (True, True)
    >>> rule_for("/api/jobs/j1"), rule_for("/stories/s1/x")
    (None, None)
    """
    for pattern, rule in RULES:
        if pattern.fullmatch(path):
            return rule
    return None


def normalised_query(raw: bytes) -> str:
    """The query string as a key: decoded as Starlette decodes it, sorted by name (a
    stable sort: the values of a repeated name stay in order, so the one a route reads
    is the same), encoded again.

    >>> normalised_query(b"b=2&a=%31&b=1&c=") == normalised_query(b"a=1&c=&b=2&b=1")
    True
    >>> normalised_query(b"b=2&b=1") == normalised_query(b"b=1&b=2")
    False
    """
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    pairs.sort(key=lambda kv: kv[0])
    return urlencode(pairs)


def _header(scope: dict[str, Any], name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def etag_matches(if_none_match: bytes | None, etag: bytes) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (weakly, as RFC 9110 says for
    that header) or is ``*``.

    >>> etag_matches(b'"x", W/"abc"', b'"abc"'), etag_matches(b'"x"', b'"abc"')
    (True, False)
    """
    if not if_none_match:
        return False
    given = [t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")]
    return etag in given or b"*" in given


@dataclass(frozen=True)
class Entry:
    """A whole response as the app sent it (without any Set-Cookie)."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    @property
    def weight(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200


class ResponseCache:
    """An ASGI middleware answering the GET routes of :data:`RULES` from memory (see
    the module); ``budget``: the bytes kept in this process (0: nothing is cached, the
    ETags are still given and honoured)."""

    def __init__(self, app: Any, service: Service, budget: int = DEFAULT_BUDGET) -> None:
        self.app, self.service = app, service
        # pages and listings of results are most of what is asked, and live longer
        self.caches = {"results": GenerationCache(budget - budget // 4),
                       "store": GenerationCache(budget // 4)}
        #: an answer larger than this is streamed through, not held
        self.max_entry = max(budget // 8, 0)
        self.placeholder = secrets.token_hex(32)  # the length of a CSRF token

    def _key(self, scope: dict[str, Any], rule: Rule) -> tuple[Any, ...]:
        signed_in = False
        if rule.html and self.service.token is not None:
            signed_in = authorise(Request(scope), self.service, cookie=True) is Grant.COOKIE
        return scope["path"], normalised_query(scope.get("query_string", b"")), signed_in

    def _etag(self, gen: str, key: tuple[Any, ...]) -> bytes:
        digest = hashlib.blake2b(repr((__version__, gen, key)).encode(), digest_size=16)
        return b'"' + digest.hexdigest().encode() + b'"'

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        rule = (rule_for(scope["path"])
                if scope["type"] == "http" and scope["method"] == "GET" else None)
        if rule is None:
            await self.app(scope, receive, send)
            return
        key = self._key(scope, rule)
        # the token before the answer: a write after this read makes the answer, cached
        # under the old token, one that nobody reads again
        store_gen, results_gen = read_generations(self.service.store)
        gen = (results_gen or store_gen) if rule.on == "results" else store_gen
        etag = None if rule.html else self._etag(gen, key)
        if etag is not None and etag_matches(_header(scope, b"if-none-match"), etag):
            await send({"type": "http.response.start", "status": 304,
                        "headers": [(b"etag", etag), (b"cache-control", b"no-cache"),
                                    (HEADER, b"revalidated")]})
            await send({"type": "http.response.body", "body": b""})
            return
        cache = self.caches[rule.on]
        entry: Entry | None = cache.get(gen, key)
        if entry is not None:
            await self._send(scope, send, entry, rule, etag, b"hit")
            return
        if rule.html:
            scope[CSRF_SLOT] = self.placeholder
        made = await self._run(scope, receive, send, rule)
        if made is None:  # too large, streamed through
            return
        if made.status == 200 and not any(k == b"set-cookie" for k, _ in made.headers):
            cache.put(gen, key, made, weight=made.weight)
        await self._send(scope, send, made, rule, etag if made.status == 200 else None,
                         b"miss")

    async def _run(self, scope: dict[str, Any], receive: Any, send: Any, rule: Rule
                   ) -> Entry | None:
        """The app's response to ``scope``, held whole; None when it outgrew
        :attr:`max_entry` (a JSON body is then sent on as it comes, uncached; a page is
        always held, its token is still to be put in)."""
        start: dict[str, Any] = {}
        parts: list[bytes] = []
        size = 0
        passing = False

        async def capture(message: dict[str, Any]) -> None:
            nonlocal size, passing
            if passing:
                await send(message)
            elif message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                size += len(parts[-1])
                if size > self.max_entry and not rule.html and message.get("more_body"):
                    passing = True
                    headers = [*start.get("headers", ()), (HEADER, b"miss")]
                    await send({**start, "headers": headers})
                    await send({"type": "http.response.body", "body": b"".join(parts),
                                "more_body": True})
            else:  # an extension's message: what was held goes first
                passing = True
                await send(start)
                await send({"type": "http.response.body", "body": b"".join(parts),
                            "more_body": True})
                await send(message)

        await self.app(scope, receive, capture)
        if passing:
            return None
        headers = tuple((bytes(k), bytes(v)) for k, v in start.get("headers", ()))
        return Entry(int(start.get("status", 500)), headers, b"".join(parts))

    async def _send(self, scope: dict[str, Any], send: Any, entry: Entry, rule: Rule,
                    etag: bytes | None, how: bytes) -> None:
        """Send ``entry``: a page with this browser's CSRF token and nonce cookie, a JSON
        answer with its ETag."""
        body = entry.body
        headers = [(k, v) for k, v in entry.headers if k != b"content-length"]
        if rule.html and any(k == b"content-type" and v.startswith(b"text/html")
                             for k, v in entry.headers):
            csrf = self.service.csrf
            nonce = csrf.nonce(Request(scope))
            body = body.replace(self.placeholder.encode(), csrf.token(nonce).encode())
            headers.append(csrf.cookie_header(nonce))
        if etag is not None:
            headers += [(b"etag", etag), (b"cache-control", b"no-cache")]
        headers += [(b"content-length", str(len(body)).encode()), (HEADER, how)]
        await send({"type": "http.response.start", "status": entry.status,
                    "headers": headers})
        await send({"type": "http.response.body", "body": body})
