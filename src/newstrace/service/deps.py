"""FastAPI dependencies shared by the API routers and the web views, declared once.

Routes take what they need as annotated parameters (``view: ViewDep``) or as
``dependencies=[WRITE_JSON]``; everything comes from the :class:`Service` that the
app factory put on ``app.state.service``.

The write guards run before any body is read: the write routes declare no body
parameters (FastAPI would read, and spool to disk, a body before the dependencies).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from newstrace.corpus import Corpus
from newstrace.corpus_view import CorpusView
from newstrace.service.auth import Grant, authorise
from newstrace.service.jobs import Jobs
from newstrace.service.security import Csrf
from newstrace.service.state import Service


# The getters are ``async``: FastAPI runs a plain ``def`` dependency in its thread pool,
# a thread hop (and, under load, a wait for the GIL) per dependency per request, for an
# attribute lookup.
async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def get_corpus(service: Annotated[Service, Depends(get_service)]) -> Corpus:
    return service.corpus


async def get_view(service: Annotated[Service, Depends(get_service)]) -> CorpusView:
    return service.view


async def get_jobs(service: Annotated[Service, Depends(get_service)]) -> Jobs:
    return service.jobs


async def get_csrf(service: Annotated[Service, Depends(get_service)]) -> Csrf:
    return service.csrf


ServiceDep = Annotated[Service, Depends(get_service)]
CorpusDep = Annotated[Corpus, Depends(get_corpus)]
ViewDep = Annotated[CorpusView, Depends(get_view)]
JobsDep = Annotated[Jobs, Depends(get_jobs)]
CsrfDep = Annotated[Csrf, Depends(get_csrf)]


def _unauthorised() -> HTTPException:
    return HTTPException(401, "a valid 'Authorization: Bearer <token>' header is needed",
                         headers={"WWW-Authenticate": "Bearer"})


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def require_json_write(request: Request, service: ServiceDep) -> None:
    """Guard of a JSON write route: authorised (bearer token when the server has one),
    and ``Content-Type: application/json`` when there is a body (a cross-site form
    cannot send that type)."""
    if authorise(request, service, cookie=False) is None:
        raise _unauthorised()
    ctype = _content_type(request)
    has_body = (request.headers.get("content-length", "0") != "0"
                or "transfer-encoding" in request.headers)
    if (ctype or has_body) and ctype != "application/json":
        raise HTTPException(415, "Content-Type must be application/json")


def require_form_write(request: Request, service: ServiceDep) -> None:
    """Guard of a form or upload route (API and web UI): authorised (bearer token or the
    UI's sign-in cookie when the server has a token), a form content type, and the
    CSRF token unless a bearer token authorised it."""
    grant = authorise(request, service, cookie=True)
    if grant is None:
        raise _unauthorised()
    if _content_type(request) not in ("multipart/form-data",
                                      "application/x-www-form-urlencoded"):
        raise HTTPException(415, "Content-Type must be multipart/form-data")
    if grant is not Grant.BEARER and not service.csrf.valid(request):
        raise HTTPException(403, "CSRF token missing or wrong (send the 'X-CSRF-Token' "
                                 "header from GET /api/csrf, or the bearer token)")


WRITE_JSON: Any = Depends(require_json_write)
WRITE_FORM: Any = Depends(require_form_write)
