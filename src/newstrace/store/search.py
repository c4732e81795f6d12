"""Article listing with full-text search, filters and a total, for the API and web UI.

    >>> from newstrace.store import Store
    >>> page = search_articles(Store.open(":memory:"), query="drones")
    >>> page.total, page.items
    (0, [])

The filter is the store's one article filter (:meth:`Store.list_articles` uses it
too): full-text search where each word of the query must match (prefix match for
the last one), an outlet in any case, dates inclusive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from newstrace.records import Article
from newstrace.store.schema import articles
from newstrace.store.store import Store, _chunks, _row_article


@dataclass
class Page:
    total: int
    items: list[Article] = field(default_factory=list)


def search_articles(
    store: Store,
    *,
    query: str | None = None,
    outlet: str | None = None,
    since: str | None = None,
    until: str | None = None,
    ids: Sequence[str] | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> Page:
    """One page of matching articles (ingest order) and how many match in all."""
    opts = {"query": query, "outlet": outlet, "since": since, "until": until, "ids": ids}
    count = store.filter_articles(select(func.count()).select_from(articles), **opts)
    stmt = store.filter_articles(select(articles).order_by(articles.c.seq), **opts).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    with store.engine.connect() as conn:
        total = int(conn.execute(count).scalar_one())
        items = [_row_article(r) for r in conn.execute(stmt)] if total else []
    return Page(total, items)


def article_index(store: Store, ids: Sequence[str] | None = None
                  ) -> dict[str, dict[str, Any]]:
    """id -> {id, outlet, published, title} for every stored article, or for the stored
    ones among ``ids``, in ingest order (small columns only)."""
    cols = (articles.c.seq, articles.c.id, articles.c.outlet, articles.c.published,
            articles.c.title)
    stmts = ([select(*cols)] if ids is None else
             [select(*cols).where(articles.c.id.in_(chunk))
              for chunk in _chunks(list(dict.fromkeys(ids)))])
    with store.engine.connect() as conn:
        rows = sorted((r for stmt in stmts for r in conn.execute(stmt)), key=lambda r: r.seq)
    return {r.id: {"id": r.id, "outlet": r.outlet, "published": r.published, "title": r.title}
            for r in rows}


def outlets(store: Store) -> list[str]:
    stmt = select(articles.c.outlet).where(articles.c.outlet.is_not(None)).distinct()
    with store.engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(stmt))
