"""Tables of the store (SQLAlchemy 2 Core), shared by SQLite and PostgreSQL.

The schema itself is created and upgraded by Alembic migrations
(``newstrace/store/migrations``); these table objects are what the code queries.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
)

metadata = MetaData()

articles = Table(
    "articles",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("seq", Integer, nullable=False, index=True),  # ingest order, for stable listings
    Column("source", Text, nullable=False),
    Column("url", Text),
    Column("outlet", Text, index=True),
    Column("outlet_from", String(32)),
    Column("title", Text),
    Column("authors", JSON, nullable=False),
    Column("published", String(40), index=True),
    Column("published_from", String(32)),
    Column("language", String(16)),
    Column("text", Text, nullable=False),
    Column("boilerplate", JSON, nullable=False),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
)
# the outlet filter ignores case (Store.filter_articles): lower(outlet), then the date
Index("ix_articles_outlet_lower", func.lower(articles.c.outlet), articles.c.published)
# an article's card (id, outlet, date, title) without reading its row: SQLite only,
# created by migration 0007 (a PostgreSQL B-tree entry cannot hold a long title)

# One row per input part already read: a rerun skips re-cleaning what it has seen.
sources = Table(
    "sources",
    metadata,
    Column("source", Text, primary_key=True),
    Column("raw_sha", String(64), nullable=False),
    Column("article_id", String(32), nullable=False, index=True),
)

ingest_errors = Table(
    "ingest_errors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("stage", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# What an analysis stage keeps between runs (an LSH index, open events...).
stage_state = Table(
    "stage_state",
    metadata,
    Column("stage", String(64), primary_key=True),
    Column("data", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Analysis results, item by item, per scope (a connected part of the corpus, recomputed
# whole): report key ("stories", "claims"...) + scope + item id.
results = Table(
    "results",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("scope", String(64), primary_key=True, index=True),
    Column("item_id", String(128), primary_key=True),
    Column("data", JSON, nullable=False),
    # one item by its id, its scopes in order (Store.item; a listing's first scope)
    Index("ix_results_item", "kind", "item_id", "scope"),
)

# Which articles each result item touches (newstrace.scopes.item_article_ids), per scope,
# so that the API lists the items touching articles of an outlet, dates or a story by
# index instead of reading every item; a story's events are kept under kind "events",
# ``part`` their index in the story (0 for every other kind), one row with article ""
# for an event that names none. Written with ``results``, in the same transactions; the
# primary key leads with the scope, as the deletes of a scope's results do.
result_articles = Table(
    "result_articles",
    metadata,
    Column("scope", String(64), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("item_id", String(128), primary_key=True),
    Column("part", Integer, primary_key=True),
    Column("article_id", String(32), primary_key=True),
    # the items of some articles, covering (a listing reads no table row); no index
    # leads with (kind, item): see newstrace.store.listing
    Index("ix_result_articles_article", "kind", "article_id", "item_id", "part"),
)

# The scope of every analysed article.
article_scopes = Table(
    "article_scopes",
    metadata,
    Column("article_id", String(32), primary_key=True),
    Column("scope", String(64), nullable=False, index=True),
)

# What a per-article step computed once for an article, by product kind ("kind/version").
article_products = Table(
    "article_products",
    metadata,
    Column("article_id", String(32), primary_key=True),
    Column("kind", String(64), primary_key=True),
    Column("data", JSON, nullable=False),
)

# The inverted indexes of the stages: members (article or cluster ids) under keys.
index_keys = Table(
    "index_keys",
    metadata,
    Column("stage", String(32), primary_key=True),
    Column("key", String(160), primary_key=True),
    Column("member", String(64), primary_key=True),
)

# The structures a stage keeps row by row (events, stories, term counts), by key.
stage_rows = Table(
    "stage_rows",
    metadata,
    Column("stage", String(32), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("data", JSON, nullable=False),
)

# The server's background jobs, shared by its worker processes (migration 0008).
jobs = Table(
    "jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created", String(40), nullable=False, index=True),
    Column("data", JSON, nullable=False),
)
