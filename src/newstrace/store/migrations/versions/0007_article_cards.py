"""A covering index of the articles' small columns: their "cards".

Every page of results names articles and shows each as a card (id, outlet, date,
title: :func:`newstrace.store.search.article_index`). Read through the primary key,
each card costs a visit to the article's row, which holds its whole text: a stories
page of 400 cards spent most of its time there. ``ix_articles_card`` answers them from
the index alone (SQLite is told to use it: without statistics it takes the narrower
primary key). SQLite only, see :func:`upgrade`.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: the index's columns, in :func:`newstrace.store.search.article_index`'s order
CARD_COLUMNS = ["id", "seq", "outlet", "published", "title"]


def upgrade() -> None:
    # SQLite only: a PostgreSQL B-tree entry holds at most ~2.7 kB, and a title may be
    # longer (the insert of its article would fail); PostgreSQL reads the few heap
    # pages well enough
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_articles_card", "articles", CARD_COLUMNS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_articles_card", "articles")
