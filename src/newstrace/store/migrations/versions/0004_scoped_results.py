"""Analysis results kept per scope: a connected part of the corpus, recomputed whole.

A scope is a set of articles linked by story membership or reuse (a connected
component of the corpus): every analysis result is computed within one scope and
stored with it, so adding articles recomputes only the scopes they join, and the
results of all scopes together are the store-wide answer. ``results`` holds the
items (PRIMARY KEY kind, scope, item id: an entity named in two scopes is an item
of each), ``article_scopes`` the scope of every analysed article, and
``article_products`` what the per-article steps computed once for an article
(its parse, its features), by product kind, and ``index_keys`` the inverted
indexes of the stages (a reuse index's band hashes: key -> member), and
``stage_rows`` the structures a stage keeps row by row (events, term counts).

The items of ``analysis_items`` (one run's answer) move to the empty scope ``""``
until an analysis touches their articles again.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "results",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("item_id", sa.String(128), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_results_scope", "results", ["scope"])
    # one item by its id, whatever its scope (a story, a claim): Store.item
    op.create_index("ix_results_item", "results", ["kind", "item_id"])
    op.create_table(
        "article_scopes",
        sa.Column("article_id", sa.String(32), primary_key=True),
        sa.Column("scope", sa.String(64), nullable=False),
    )
    op.create_index("ix_article_scopes_scope", "article_scopes", ["scope"])
    op.create_table(
        "article_products",
        sa.Column("article_id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(64), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "index_keys",
        sa.Column("stage", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(160), primary_key=True),
        sa.Column("member", sa.String(64), primary_key=True),
    )
    op.create_table(
        "stage_rows",
        sa.Column("stage", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.execute("INSERT INTO results (kind, scope, item_id, data) "
               "SELECT kind, '', item_id, data FROM analysis_items")
    op.drop_table("analysis_items")


def downgrade() -> None:
    op.create_table(
        "analysis_items",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("item_id", sa.String(128), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.drop_table("stage_rows")
    op.drop_table("index_keys")
    op.drop_table("article_products")
    op.drop_table("article_scopes")
    op.drop_table("results")
