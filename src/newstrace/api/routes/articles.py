"""``/api/articles``: the stored articles, with full-text search, filters and paging."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query

from newstrace.api.common import Filters, Limit, Offset, public_article
from newstrace.api.models import ERRORS, ArticlePageOut
from newstrace.service.deps import CorpusDep, ViewDep

router = APIRouter(tags=["articles"], responses=ERRORS)


#: searches that may read every match (filters: a join) run in threads, at most this
#: many at once, so that they cannot take every pooled store connection
_UNBOUNDED = anyio.CapacityLimiter(4)


@router.get("/api/articles", response_model=ArticlePageOut)
async def list_articles(
    corpus: CorpusDep, view: ViewDep,
    f: Annotated[Filters, Depends()],
    q: Annotated[str | None, Query(max_length=500, description="full-text search")] = None,
    limit: Limit = 50, offset: Offset = 0, text: bool = False,
) -> dict[str, Any]:
    # words alone on SQLite, or nothing: a page read in index order that stops at the
    # page and at the count's cap, answered on the event loop (a thread hop costs more)
    bounded = not (f.outlet or f.since or f.until or f.story) and (
        not q or corpus.store.dialect == "sqlite")
    ids = await anyio.to_thread.run_sync(f.story_ids, view) if f.story else None
    search = partial(corpus.search, q, outlet=f.outlet, since=f.since, until=f.until,
                     ids=sorted(ids) if ids is not None else None, limit=limit,
                     offset=offset)
    found = (search() if bounded else
             await anyio.to_thread.run_sync(search, limiter=_UNBOUNDED))
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
