"""The analysis results: ``/api/{stories,claims,entities,reuse,citations,anomalies}``
(lists with filters, and one item by id), ``/api/events``, ``/api/graph``,
``/api/report``; read through :class:`~newstrace.corpus_view.CorpusView`, a page at a
time from the store's indexes (the graph and the report: the whole store)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from newstrace.api.common import (
    Filters,
    Limit,
    Offset,
    json_page,
    json_text,
    public_article,
    raw_json,
)
from newstrace.api.models import ERRORS, PageOut
from newstrace.report.dossier import provenance_graph
from newstrace.service.deps import ViewDep

#: the result kinds listed and looked up alike
KINDS = ("stories", "claims", "entities", "reuse", "citations", "anomalies")

router = APIRouter(tags=["analyses"], responses=ERRORS)


#: how many listings that may read many matches run at once, each in a thread: a few,
#: so that they cannot take every pooled store connection from the event loop's reads
_LARGE = anyio.CapacityLimiter(4)


def _lister(kind: str) -> Callable[..., Awaitable[Response]]:
    # async: a page of a few index reads is answered on the event loop (a thread per
    # request costs more than the reads, in hops and GIL waits); a page that may read
    # many matches goes to a thread (CorpusView.small_page)
    async def list_kind(view: ViewDep, f: Annotated[Filters, Depends()], limit: Limit = 50,
                        offset: Offset = 0) -> Response:
        opts = {"limit": limit, "offset": offset, "as_text": True, **f.kwargs()}
        found = view.small_page(kind, **opts)
        if found is None:
            found = await anyio.to_thread.run_sync(partial(view.page, kind, **opts),
                                                   limiter=_LARGE)
        if not found["total"]:  # a story not stored lists nothing: is it one? (404)
            f.check_story(view)
        return json_page(found)
    return list_kind


def _getter(kind: str) -> Callable[..., Awaitable[Response]]:
    async def get_kind(item_id: str, view: ViewDep) -> Response:  # one index probe
        item = view.item(kind, item_id, as_text=True)
        if item is None:
            raise HTTPException(404, f"no {kind} item {item_id!r}")
        return json_text(item)
    return get_kind


# one pair of routes per kind (not /api/{kind}): each kind is its own operation in the
# OpenAPI spec, with its own name
for _kind in KINDS:
    router.add_api_route(f"/api/{_kind}", _lister(_kind), methods=["GET"],
                         response_model=PageOut, name=f"list_{_kind}",
                         summary=f"List {_kind}")
    router.add_api_route(f"/api/{_kind}/{{item_id}}", _getter(_kind), methods=["GET"],
                         response_model=dict[str, Any], name=f"get_{_kind}",
                         summary=f"One of {_kind}")


@router.get("/api/events", response_model=PageOut)
def list_events(view: ViewDep, f: Annotated[Filters, Depends()], limit: Limit = 50,
                offset: Offset = 0) -> Response:
    found = view.events_page(limit=limit, offset=offset, **f.kwargs())
    if not found["total"]:  # as for the lists: only an empty answer may be a 404
        f.check_story(view)
    return raw_json(found)


@router.get("/api/graph", summary="The provenance graph")
def graph(view: ViewDep) -> dict[str, Any]:
    return provenance_graph(view.report())


@router.get("/api/report", summary="The whole report.json")
def report(view: ViewDep) -> dict[str, Any]:
    whole = view.report()
    whole["articles"] = [public_article(a) for a in whole.get("articles") or []]
    return whole
