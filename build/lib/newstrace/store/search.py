"""Article listing with full-text search, filters and a total, for the API and web UI.

    >>> from newstrace.store import Store
    >>> page = search_articles(Store.open(":memory:"), query="drones")
    >>> page.total, page.items
    (0, [])

SQLite uses the FTS5 table of migration 0002, PostgreSQL the ``search`` tsvector
column; each word of the query must match (prefix match for the last one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, literal_column, select, text

from newstrace.records import Article
from newstrace.store.schema import articles
from newstrace.store.store import Store, _row_article

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Page:
    total: int
    items: list[Article] = field(default_factory=list)


def _fts_words(query: str) -> list[str]:
    return _WORD.findall(query or "")[:16]


def _filtered(store: Store, stmt: Any, *, query: str | None, outlet: str | None,
              since: str | None, until: str | None, ids: Sequence[str] | None) -> Any:
    if outlet:
        stmt = stmt.where(articles.c.outlet == outlet)
    if since:
        stmt = stmt.where(articles.c.published >= since)
    if until:
        stmt = stmt.where(articles.c.published <= until + "\uffff")
    if ids is not None:
        stmt = stmt.where(articles.c.id.in_(list(ids) or [""]))
    words = _fts_words(query or "")
    if words:
        if store.dialect == "sqlite":
            # quoted terms: FTS5 operators in user input are taken literally
            match = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
            sub = text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :m").bindparams(
                m=match.strip())
            stmt = stmt.where(literal_column("articles.rowid").in_(sub))
        elif store.dialect == "postgresql":
            tsq = " & ".join([*words[:-1], words[-1] + ":*"])
            stmt = stmt.where(literal_column("articles.search").op("@@")(
                func.to_tsquery("simple", tsq)))
        else:  # pragma: no cover - other engines: plain substring match
            for w in words:
                stmt = stmt.where(articles.c.text.ilike(f"%{w}%"))
    return stmt


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
    count = _filtered(store, select(func.count()).select_from(articles), **opts)
    stmt = _filtered(store, select(articles).order_by(articles.c.seq), **opts).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    with store.engine.connect() as conn:
        total = int(conn.execute(count).scalar_one())
        items = [_row_article(r) for r in conn.execute(stmt)] if total else []
    return Page(total, items)


def article_index(store: Store) -> dict[str, dict[str, Any]]:
    """id -> {id, outlet, published, title} for every stored article (small columns only)."""
    cols = (articles.c.id, articles.c.outlet, articles.c.published, articles.c.title)
    with store.engine.connect() as conn:
        return {r.id: {"id": r.id, "outlet": r.outlet, "published": r.published, "title": r.title}
                for r in conn.execute(select(*cols).order_by(articles.c.seq))}


def outlets(store: Store) -> list[str]:
    stmt = select(articles.c.outlet).where(articles.c.outlet.is_not(None)).distinct()
    with store.engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(stmt))
