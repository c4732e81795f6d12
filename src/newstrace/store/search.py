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

from sqlalchemy import bindparam, func, literal_column, select, text

from newstrace.records import Article
from newstrace.store.schema import articles
from newstrace.store.store import Store, _chunks, _row_article, fts5_match, query_words

#: a search counts its matches up to this many; past it the total reads "10,000+":
#: counting every match of a common word costs as much as the corpus is large, and
#: nobody pages through ten thousand articles
TOTAL_CAP = 10_000


@dataclass
class Page:
    """One page of articles and how many match in all (at most :data:`TOTAL_CAP`;
    ``capped`` when more do)."""

    total: int
    items: list[Article] = field(default_factory=list)
    capped: bool = False

    @property
    def total_text(self) -> str:
        """The total as a person reads it: ``"12"``, ``"10,000+"``.

        >>> Page(10_000, capped=True).total_text, Page(12).total_text
        ('10,000+', '12')
        """
        return f"{self.total:,}" + ("+" if self.capped else "")


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
    total_cap: int = TOTAL_CAP,
) -> Page:
    """One page of matching articles (ingest order) and how many match, counted up to
    ``total_cap``."""
    words = query_words(query)
    if (store.dialect == "sqlite" and words and ids is None
            and not (outlet or since or until)):
        return _fts_page(store, fts5_match(words), limit, offset, total_cap)
    opts = {"query": query, "outlet": outlet, "since": since, "until": until, "ids": ids}
    matching = store.filter_articles(select(articles.c.id), **opts).limit(total_cap + 1)
    count = select(func.count()).select_from(matching.subquery())
    stmt = store.filter_articles(select(articles).order_by(articles.c.seq), **opts).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    with store.engine.connect() as conn:
        total = int(conn.execute(count).scalar_one())
        items = [_row_article(r) for r in conn.execute(stmt)] if total else []
    return Page(min(total, total_cap), items, capped=total > total_cap)


def _fts_page(store: Store, match: str, limit: int | None, offset: int, total_cap: int
              ) -> Page:
    """A search with words only, on SQLite: FTS5 walks its matches in rowid order and
    stops at the page (and at the cap), where joining every match to ``articles`` and
    sorting them read all of them. ``articles`` only ever grows by inserts, so rowid
    order is ingest (``seq``) order."""
    count = text("SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts "
                 "MATCH :m LIMIT :cap)").bindparams(m=match, cap=total_cap + 1)
    page = text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :m "
                "ORDER BY rowid LIMIT :limit OFFSET :offset").bindparams(
        m=match, limit=-1 if limit is None else limit, offset=offset)
    with store.engine.connect() as conn:
        total = int(conn.execute(count).scalar_one())
        rowids = list(conn.execute(page).scalars()) if total else []
        rows = [r for chunk in _chunks(rowids) for r in conn.execute(
            select(articles).where(literal_column("articles.rowid").in_(chunk)))]
    rows.sort(key=lambda r: r.seq)
    return Page(min(total, total_cap), [_row_article(r) for r in rows],
                capped=total > total_cap)


_SQLITE_CARDS = text(
    "SELECT seq, id, outlet, published, title FROM articles INDEXED BY ix_articles_card "
    "WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
_CARD_COLUMNS = (articles.c.seq, articles.c.id, articles.c.outlet, articles.c.published,
                 articles.c.title)
_CARDS = select(*_CARD_COLUMNS).where(articles.c.id.in_(bindparam("ids", expanding=True)))


def article_index(store: Store, ids: Sequence[str] | None = None
                  ) -> dict[str, dict[str, Any]]:
    """id -> {id, outlet, published, title} for every stored article, or for the stored
    ones among ``ids``, in ingest order (small columns only)."""
    if ids is None:
        runs: list[tuple[Any, dict[str, Any]]] = [(select(*_CARD_COLUMNS), {})]
    else:
        # the ids bound at execution: binding them into the statement copied it (and made
        # SQLAlchemy key its cache again) on every call, which cost more than the lookup
        stmt = _SQLITE_CARDS if store.dialect == "sqlite" else _CARDS
        runs = [(stmt, {"ids": list(chunk)}) for chunk in _chunks(list(dict.fromkeys(ids)))]
    with store.engine.connect() as conn:
        rows = sorted((r for stmt, params in runs for r in conn.execute(stmt, params)),
                      key=lambda r: r.seq)
    return {r.id: {"id": r.id, "outlet": r.outlet, "published": r.published, "title": r.title}
            for r in rows}


def outlets(store: Store) -> list[str]:
    stmt = select(articles.c.outlet).where(articles.c.outlet.is_not(None)).distinct()
    with store.engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(stmt))
