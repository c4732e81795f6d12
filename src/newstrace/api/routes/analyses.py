"""The analysis results: ``/api/{stories,claims,entities,reuse,citations,anomalies}``
(lists with filters, and one item by id), ``/api/events``, ``/api/graph``,
``/api/report``; read from the cached :class:`~newstrace.corpus_view.CorpusView`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from newstrace.api.common import Filters, Limit, Offset, page, public_article, raw_json
from newstrace.api.models import ERRORS, PageOut
from newstrace.report.dossier import provenance_graph
from newstrace.service.deps import ViewDep

#: the result kinds listed and looked up alike
KINDS = ("stories", "claims", "entities", "reuse", "citations", "anomalies")

router = APIRouter(tags=["analyses"], responses=ERRORS)


def _lister(kind: str) -> Callable[..., Response]:
    def list_kind(view: ViewDep, f: Annotated[Filters, Depends()], limit: Limit = 50,
                  offset: Offset = 0) -> Response:
        f.story_ids(view)  # 404 for an unknown story
        return raw_json(page(view.filtered(kind, **f.kwargs()), limit, offset))
    return list_kind


def _getter(kind: str) -> Callable[..., Response]:
    def get_kind(item_id: str, view: ViewDep) -> Response:
        item = view.by_id(kind).get(item_id)
        if item is None:
            raise HTTPException(404, f"no {kind} item {item_id!r}")
        return raw_json(item)
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
    f.story_ids(view)
    return raw_json(page(view.events(**f.kwargs()), limit, offset))


@router.get("/api/graph", summary="The provenance graph")
def graph(view: ViewDep) -> dict[str, Any]:
    return provenance_graph(view.report())


@router.get("/api/report", summary="The whole report.json")
def report(view: ViewDep) -> dict[str, Any]:
    whole = view.report()
    whole["articles"] = [public_article(a) for a in whole.get("articles") or []]
    return whole
