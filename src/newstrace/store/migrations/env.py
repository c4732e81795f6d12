"""Alembic environment: runs on the connection the Store hands over.

The Store opens that connection's transaction under its write lock; every
migration runs inside it, DDL included (SQLite supports transactional DDL once
the driver's own transaction handling is off), so an upgrade commits whole or
not at all.
"""

from __future__ import annotations

from alembic import context

from newstrace.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
