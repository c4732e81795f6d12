"""The job's output: the tables of ``newstrace export`` and the job's own, as Parquet.

The export's tables keep the export's Arrow schemas (:data:`newstrace.export.SCHEMAS`)
and its rows (the same functions turn a stored item into a row); each is written by
Spark as a folder ``DIR/<table>.parquet`` of part files, in a stable row order, and
overwritten by a later run. The job adds:

- ``errors``: every input (file, record) that could not be read or cleaned, and
  every stage that failed on a scope: ``source``, ``stage``, ``reason``;
- ``results``: every item as the store keeps it (``scope``, ``kind``, ``item_id``,
  ``data`` as JSON), which ``newstrace load`` brings into a store;
- ``sources``: each input part read and its article (``source``, ``raw_sha``,
  ``article_id``), as the store's ``sources``;
- ``analyses``: each stage's status (``stage``, ``status``);

and what the stages of a store keep besides results, so that a later ``newstrace
analyze`` on the loaded store links new articles to the loaded ones, as the store's
tables of the same names hold them (docs/architecture.md, "The store"):

- ``products``: each article's per-article products (``article_id``, ``kind``, ``data``
  as JSON): its reuse entry (fingerprints, lead sentence vectors, arrival number), its
  story features, what the stages' ``prepare`` kept (the claims parse) and what a
  scope's analysis kept;
- ``index_keys``: the reuse index's lookup keys (``stage``, ``key``, ``member``);
- ``stage_rows``: the story clusterer's rows (``stage``, ``key``, ``data`` as JSON):
  events, stories, the article -> event map, lookup keys, document frequencies;
- ``stage_state``: those stages' states (``stage``, ``data`` as JSON).

    >>> sorted(JOB_SCHEMAS)  # doctest: +NORMALIZE_WHITESPACE
    ['analyses', 'errors', 'index_keys', 'products', 'results', 'sources', 'stage_rows',
     'stage_state']
    >>> [row["id"] for row in table_rows("stories", "scope-1", {"id": "s", "events": []})]
    ['s']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from newstrace.export.parquet import (
    SCHEMAS,
    _anomaly_row,
    _attribution_rows,
    _citation_row,
    _claim_row,
    _entity_row,
    _event_rows,
    _reuse_row,
    _story_row,
)

if TYPE_CHECKING:
    from pyspark import RDD
    from pyspark.sql import SparkSession

_str = pa.string()

JOB_SCHEMAS: dict[str, pa.Schema] = {
    "errors": pa.schema([
        pa.field("source", _str, metadata={"description": "the input (file, file#record) "
                                           "or scope that failed"}),
        pa.field("stage", _str, metadata={"description": "ingest, clean, or the stage"}),
        pa.field("reason", _str, metadata={"description": "why"})]),
    "results": pa.schema([
        pa.field("scope", _str, metadata={"description": "the scope of the item"}),
        pa.field("kind", _str, metadata={"description": "its report key"}),
        pa.field("item_id", _str, metadata={"description": "its id"}),
        pa.field("data", _str, metadata={"description": "the item, as JSON"})]),
    "sources": pa.schema([
        pa.field("source", _str, metadata={"description": "the input part read"}),
        pa.field("raw_sha", _str, metadata={"description": "sha256 of its raw content"}),
        pa.field("article_id", _str, metadata={"description": "the article it gave"})]),
    "analyses": pa.schema([
        pa.field("stage", _str, metadata={"description": "the stage"}),
        pa.field("status", _str, metadata={"description": "done, failed: ..., skipped: ..."})]),
    "products": pa.schema([
        pa.field("article_id", _str, metadata={"description": "the article"}),
        pa.field("kind", _str, metadata={"description": "the product's kind and version "
                                         "(reuse.entry/1, stories.features/1, "
                                         "claims.extract/...)"}),
        pa.field("data", _str, metadata={"description": "the product, as JSON"})]),
    "index_keys": pa.schema([
        pa.field("stage", _str, metadata={"description": "the stage whose index it is"}),
        pa.field("key", _str, metadata={"description": "a lookup key (text digest d:, "
                                        "MinHash band m<n>:, SimHash band s:)"}),
        pa.field("member", _str, metadata={"description": "the article under it"})]),
    "stage_rows": pa.schema([
        pa.field("stage", _str, metadata={"description": "the stage whose row it is"}),
        pa.field("key", _str, metadata={"description": "the row's key (e: event, s: story, "
                                        "a: article's event, i: lookup key, w: word and "
                                        "n: name document frequency)"}),
        pa.field("data", _str, metadata={"description": "the row's value, as JSON"})]),
    "stage_state": pa.schema([
        pa.field("stage", _str, metadata={"description": "the stage"}),
        pa.field("data", _str, metadata={"description": "its state in a store, as JSON"})]),
}

#: the stages whose tables the job writes, by their names in ``newstrace.registry.STAGES``
#: (the names a store keeps their index keys, rows and state under)
REUSE_STAGE, STORIES_STAGE = "reuse", "stories"

#: every table the job writes
ALL_SCHEMAS: dict[str, pa.Schema] = {**SCHEMAS, **JOB_SCHEMAS}

Row = dict[str, Any]

#: report key -> (export table, rows of one stored item) for the result tables
_ITEM_TABLES: dict[str, list[tuple[str, Callable[[str, Row], Iterable[Row]]]]] = {
    "reuse": [("reuse_edges", lambda s, i: [_reuse_row(s, i)])],
    "stories": [("stories", lambda s, i: [_story_row(s, i)]), ("events", _event_rows)],
    "entities": [("entities", lambda s, i: [_entity_row(s, i)])],
    "claims": [("claims", lambda s, i: [_claim_row(s, i)]),
               ("attributions", _attribution_rows)],
    "citations": [("citations", lambda s, i: [_citation_row(s, i)])],
    "anomalies": [("anomalies", lambda s, i: [_anomaly_row(s, i)])],
}


def table_rows(table: str, scope: str, item: Row) -> list[Row]:
    """The rows of export table ``table`` for one item of its kind."""
    for entries in _ITEM_TABLES.values():
        for name, rows in entries:
            if name == table:
                return list(rows(scope, item))
    raise KeyError(table)


def item_rows(scope: str, kind: str, item_id: str, item: Row
              ) -> Iterator[tuple[str, tuple[Any, ...], Row]]:
    """``(table, sort key, row)`` of every export row of one stored item, sorted as the
    export writes them: by scope and item id, an item's parts in their order."""
    for table, rows in _ITEM_TABLES.get(kind, []):
        for position, row in enumerate(rows(scope, item)):
            yield table, (scope, item_id, position), row


def spark_schema(table: str) -> Any:
    """The Spark schema of ``table``: the Arrow schema's, with each column's description."""
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import StructField, StructType

    arrow = ALL_SCHEMAS[table]
    converted = from_arrow_schema(arrow)
    return StructType([
        StructField(f.name, f.dataType, True,
                    {"description": (arrow.field(f.name).metadata or {})
                     .get(b"description", b"").decode()})
        for f in converted.fields])


def _typed(table: str) -> Callable[[Iterable[Row]], Iterator[Row]]:
    """Rows made to the table's types as the export makes them (pyarrow's conversion:
    an int score a double, an ISO date a date)."""
    schema = ALL_SCHEMAS[table]

    def convert(rows: Iterable[Row]) -> Iterator[Row]:
        chunk: list[Row] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= 1000:
                yield from pa.RecordBatch.from_pylist(chunk, schema=schema).to_pylist()
                chunk = []
        if chunk:
            yield from pa.RecordBatch.from_pylist(chunk, schema=schema).to_pylist()

    return convert


def write_table(spark: SparkSession, rows: RDD[tuple[Any, Row]], table: str, out: str,
                partitions: int | None = None) -> None:
    """Write ``(sort key, row)`` pairs as ``out/<table>.parquet``, sorted by key,
    replacing what a previous run wrote there."""
    ordered = rows.sortByKey(True, partitions).values().mapPartitions(_typed(table))
    frame = spark.createDataFrame(ordered, spark_schema(table))
    (frame.write.mode("overwrite").option("compression", "zstd")
     .parquet(f"{out.rstrip('/')}/{table}.parquet"))
