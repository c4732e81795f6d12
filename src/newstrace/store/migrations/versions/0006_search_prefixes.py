"""SQLite: prefix indexes of 3 and 4 characters on the full-text table.

A query's last word matches as a prefix ("sanc" finds "sanctions"). Without a prefix
index FTS5 answers a short prefix by merging the posting list of every word that
starts with it: at 100,000 articles a three-letter prefix matching most of them took
about a quarter of a second before any row was read, in every search. With
``prefix='3 4'`` such a prefix is one posting list; longer prefixes expand to few
words. The index grows by about the size of the text searched (measured on the
PolNeAR texts: 0.46 -> 1.09 bytes of index per byte of text), well inside the
per-article budget. Last words under three characters match as whole words
(:meth:`newstrace.store.Store.filter_articles`), so no shorter prefix index is needed.

PostgreSQL's GIN index answers ``word:*`` prefixes itself and is unchanged.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _fts_table(prefix: str) -> None:
    # the triggers of 0002 name the table, not its definition: they keep working
    op.execute("DROP TABLE IF EXISTS articles_fts")
    op.execute(f"""CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2'{prefix})""")
    op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _fts_table(", prefix='3 4'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _fts_table("")
