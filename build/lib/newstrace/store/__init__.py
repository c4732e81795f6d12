"""The store: an embedded SQLite file by default, PostgreSQL given a URL."""

from newstrace.store.store import DEFAULT_DB, Store, StoreError, database_url, raw_digest

__all__ = ["DEFAULT_DB", "Store", "StoreError", "database_url", "raw_digest"]
