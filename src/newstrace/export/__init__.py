"""Exports of the store for other tools: Parquet files for DuckDB, pandas or Spark.

    >>> from newstrace.export import TABLES
    >>> TABLES[:3]
    ('articles', 'reuse_edges', 'events')

See :mod:`newstrace.export.parquet` and docs/export.md.
"""

from __future__ import annotations

from newstrace.export.parquet import SCHEMAS, TABLES, export_parquet

__all__ = ["SCHEMAS", "TABLES", "export_parquet"]
