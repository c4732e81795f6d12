"""``/api/articles``: the stored articles, with full-text search, filters and paging."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from newstrace.api.common import Filters, Limit, Offset, public_article
from newstrace.api.models import ERRORS, ArticlePageOut
from newstrace.service.deps import CorpusDep, ViewDep

router = APIRouter(tags=["articles"], responses=ERRORS)


@router.get("/api/articles", response_model=ArticlePageOut)
def list_articles(
    corpus: CorpusDep, view: ViewDep,
    f: Annotated[Filters, Depends()],
    q: Annotated[str | None, Query(max_length=500, description="full-text search")] = None,
    limit: Limit = 50, offset: Offset = 0, text: bool = False,
) -> dict[str, Any]:
    ids = f.story_ids(view)
    found = corpus.search(q, outlet=f.outlet, since=f.since, until=f.until,
                          ids=sorted(ids) if ids is not None else None,
                          limit=limit, offset=offset)
    items = []
    for a in found.items:
        d = public_article(a.to_dict())
        if not text:  # a listing: the start of the text, no boilerplate
            d["text"] = d["text"][:300]
            d.pop("boilerplate")
        items.append(d)
    return {"total": found.total, "total_capped": found.capped, "limit": limit,
            "offset": offset, "items": items}


@router.get("/api/articles/{article_id}")
def get_article(article_id: str, corpus: CorpusDep) -> dict[str, Any]:
    art = corpus.article(article_id)
    if art is None:
        raise HTTPException(404, f"no article {article_id!r}")
    return public_article(art.to_dict())
