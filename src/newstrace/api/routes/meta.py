"""``/api/health``, ``/api/csrf``, ``/api/outlets``: about the server and the corpus."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from newstrace import __version__
from newstrace.api.models import ERRORS
from newstrace.service.deps import CorpusDep, CsrfDep, ViewDep

router = APIRouter(tags=["meta"], responses=ERRORS)


@router.get("/api/health")
async def health(view: ViewDep) -> dict[str, Any]:
    # async, on the event loop: the article count and the status are cached until the
    # store's generation changes, so this is one index probe
    return {"ok": True, "version": __version__, "articles": view.article_count(),
            "analyses": view.status()}


@router.get("/api/csrf", summary="A CSRF token (and its cookie) for uploads")
def csrf_token(request: Request, response: Response, csrf: CsrfDep) -> dict[str, Any]:
    return {"csrf_token": csrf.issue(request, response), "header": "X-CSRF-Token"}


@router.get("/api/outlets")
def list_outlets(corpus: CorpusDep) -> dict[str, Any]:
    names = corpus.outlets()
    return {"total": len(names), "items": names}
