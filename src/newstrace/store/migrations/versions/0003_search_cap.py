"""PostgreSQL: index at most the first 100,000 characters of an article.

A ``tsvector`` holds at most 1 MB (1,048,575 bytes): the text of one long article
(a megabyte of distinct words) made its insert fail, and with it the whole batch
of articles stored in the same transaction. Each character indexed takes at most
about 6 bytes of ``tsvector`` (a one-character word of 4 UTF-8 bytes, its entry
and its position), so 100,000 characters always fit; the stored text is not cut,
only the part searched. SQLite's FTS5 table has no such limit and is unchanged.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: characters of title + text indexed for search (see the module's docstring)
INDEXED_CHARS = 100_000


def _search_column(expression: str) -> None:
    op.execute("DROP INDEX IF EXISTS ix_articles_search")
    op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search")
    op.execute(f"ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS "
               f"({expression}) STORED")
    op.execute("CREATE INDEX IF NOT EXISTS ix_articles_search ON articles USING gin (search)")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _search_column(f"to_tsvector('simple', left(coalesce(title, '') || ' ' || text, "
                       f"{INDEXED_CHARS}))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _search_column("to_tsvector('simple', coalesce(title, '') || ' ' || text)")
