"""Result items by the articles they touch: ``result_articles``.

The API and the web UI list the items of a kind that touch an article of an outlet,
of a date range or of a story, a page at a time. Without an index from articles to
items every such request read every item of the kind; ``result_articles`` holds one
row per (scope, kind, item, article) (:func:`newstrace.store.store.article_links`:
the item's :func:`newstrace.scopes.item_article_ids`, and each event of a story under
kind ``events``), written with ``results`` in the same transactions, and indexed both
by (scope, kind, item) (its primary key: a story's articles, the deletes of a scope)
and by (kind, article) (the items of some articles).

``ix_articles_outlet_lower`` serves the outlet filter, which ignores case
(``lower(outlet) = lower(:outlet)``), as the plain outlet index cannot;
``ix_results_item`` gains the scope, so that an item's first scope (which orders a
listing) is read from the index.

Existing results are back-filled here, a batch at a time (a store of millions of
items is not read into memory at once).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: results read per batch of the back-fill
BATCH = 2000


def upgrade() -> None:
    op.create_table(
        "result_articles",
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("item_id", sa.String(128), primary_key=True),
        sa.Column("part", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.String(32), primary_key=True),
    )
    # covering: the items of some articles without reading a row. No index leads with
    # (kind, item_id): SQLite, without statistics, would walk it to read items in id
    # order and so scan every item of the kind (see newstrace.store.listing)
    op.create_index("ix_result_articles_article", "result_articles",
                    ["kind", "article_id", "item_id", "part"])
    op.create_index("ix_articles_outlet_lower", "articles",
                    [sa.text("lower(outlet)"), "published"])
    # an item's scopes in order from the index: its first scope orders a listing
    op.drop_index("ix_results_item", "results")
    op.create_index("ix_results_item", "results", ["kind", "item_id", "scope"])
    _backfill()


def _backfill() -> None:
    from newstrace.store.store import article_links

    conn = op.get_bind()
    results = sa.table("results", sa.column("kind", sa.String), sa.column("scope", sa.String),
                       sa.column("item_id", sa.String), sa.column("data", sa.JSON))
    links = sa.table("result_articles", sa.column("scope", sa.String),
                     sa.column("kind", sa.String), sa.column("item_id", sa.String),
                     sa.column("part", sa.Integer), sa.column("article_id", sa.String))
    key = (results.c.kind, results.c.scope, results.c.item_id)
    after: tuple[str, str, str] | None = None
    while True:  # keyset batches in primary-key order
        stmt = sa.select(*key, results.c.data).order_by(*key).limit(BATCH)
        if after is not None:
            stmt = stmt.where(sa.tuple_(*key) > sa.tuple_(*after))
        rows = conn.execute(stmt).all()
        if not rows:
            return
        found = [link for kind, scope, item_id, data in rows
                 for link in article_links(kind, scope, item_id, data or {})]
        if found:
            conn.execute(links.insert(), found)
        after = tuple(rows[-1][:3])


def downgrade() -> None:
    op.drop_index("ix_results_item", "results")
    op.create_index("ix_results_item", "results", ["kind", "item_id"])
    op.drop_index("ix_articles_outlet_lower", "articles")
    op.drop_table("result_articles")
