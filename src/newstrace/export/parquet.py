"""Export the store as Parquet files, one per table, for DuckDB, pandas or Spark.

    >>> import tempfile
    >>> import pyarrow.parquet as pq
    >>> from newstrace.records import Article
    >>> from newstrace.store import Store
    >>> store = Store.open(":memory:")
    >>> _ = store.add_articles([(Article(id="75ec6c71103e052b", source="a.txt",
    ...     text="Hello.", outlet="CNN", published="2023-02-24T23:58:00-05:00"), "sha")])
    >>> with tempfile.TemporaryDirectory() as out:
    ...     paths = export_parquet(store, out)
    ...     rows = pq.read_table(paths["articles"]).to_pylist()
    ...     claims = pq.read_table(paths["claims"])
    >>> rows[0]["outlet"], rows[0]["published_date"], claims.num_rows, claims.column_names[:3]
    ('CNN', datetime.date(2023, 2, 24), 0, ['scope', 'id', 'text'])

Every table has an explicit schema (:data:`SCHEMAS`), never one inferred from the
rows, so an empty store writes the same columns as a full one and a reader's
query does not break on a corpus that happens to lack something.

Results are computed per scope (:mod:`newstrace.scopes`), and the same item id
(an entity named in two parts of the corpus) can be stored in several; every
result table has one row per (scope, item), with a ``scope`` column. The store is
read a batch at a time and written a row group at a time, so the export never
holds the corpus in memory. docs/export.md describes the tables for users.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from newstrace import __version__
from newstrace.nlp.temporal import iso_day
from newstrace.records import Article
from newstrace.store import Store

#: rows a Parquet row group holds (the last one of a file may hold fewer)
ROW_GROUP_SIZE = 10_000
#: items or articles read from the store at a time
READ_BATCH = 1000
#: zstd: smaller files than snappy, and DuckDB, pyarrow and Spark 3 all read it
COMPRESSION = "zstd"

# A column: name, Arrow type, what it holds (the description is stored in the file's
# schema too, so a reader of the Parquet file alone can see what a column means).
_Column = tuple[str, pa.DataType, str]

_str = pa.string()
_int = pa.int64()
_float = pa.float64()
_bool = pa.bool_()


def _list(kind: pa.DataType) -> pa.DataType:
    # items named "element", as the Parquet spec names them: a file read back has the
    # very schema of SCHEMAS (pyarrow's default "item" would come back as "element")
    return pa.list_(pa.field("element", kind))


_strs = _list(pa.string())
#: a piece of an article's text: character offsets into the article's ``text``
SPAN = pa.struct([("text", _str), ("start", _int), ("end", _int)])

_SCOPE: _Column = ("scope", _str, "the scope (connected part of the corpus) the row was "
                   "computed in; an id can come once per scope")

_COLUMNS: dict[str, list[_Column]] = {
    "articles": [
        ("id", _str, "article id: 16 hex digits, from the URL and the normalised text"),
        ("ingest_order", _int, "0, 1, 2...: the order the articles were ingested in"),
        ("scope", _str, "the scope the article was analysed in; null if not analysed yet"),
        ("source", _str, "where it was read: a path, path#L12, path#item-3, a URL"),
        ("url", _str, "the article's URL, when the input gives one"),
        ("outlet", _str, "publisher"),
        ("outlet_from", _str, "how the outlet was found: byline, site-name, url-domain..."),
        ("title", _str, "headline"),
        ("authors", _strs, "from bylines or metadata"),
        ("published", _str, "the stated publication date or date-time, ISO 8601, as stated"),
        ("published_date", pa.date32(), "the calendar date of published, as written (no time "
         "zone shift); null when published is null or no ISO date"),
        ("published_from", _str, "its evidence: metadata, dateline, feed, url, text..."),
        ("language", _str, "ISO 639-1 code"),
        ("text", _str, "main text, boilerplate removed, paragraphs split by blank lines"),
        ("boilerplate", _list(pa.struct([("text", _str), ("reason", _str)])),
         "every removed piece of page furniture, and why"),
    ],
    "reuse_edges": [
        _SCOPE,
        ("id", _str, "reuse- + a hash of the pair"),
        ("original_id", _str, "article id of the original"),
        ("copy_id", _str, "article id of the copy"),
        ("kind", _str, "duplicate, near-duplicate, rewrite, translation or excerpt"),
        ("score", _float, "0..1: 1 for duplicates, the MinHash Jaccard estimate for "
         "near duplicates, mean aligned similarity x coverage for the rest"),
        ("coverage", _float, "share of the original's sentences found in the copy"),
        ("direction_evidence", _strs, "why original_id is the original"),
        ("direction_confidence", _float, "0..1; 0.3 when nothing says which came first"),
        ("aligned", _list(pa.struct([
            ("original_index", _int), ("copy_index", _int), ("original", _str),
            ("copy", _str), ("similarity", _float)])),
         "aligned sentence pairs (sentence indexes and texts)"),
        ("changes", _list(pa.struct([
            ("type", _str), ("original_index", _int), ("copy_index", _int),
            ("original", _str), ("copy", _str), ("before", _strs), ("after", _strs),
            ("direction", _str), ("similarity", _float)])),
         "what the copy changed: type number, name, date, negation, quotation, hedging, "
         "qualifier, meaning, omitted or added; before/after are the report's from/to"),
    ],
    "events": [
        _SCOPE,
        ("story_id", _str, "the story the event belongs to"),
        ("id", _str, "event id"),
        ("title", _str, "event title"),
        ("summary", _str, "extractive summary"),
        ("date", pa.date32(), "when it happened: what the content says (date_from content) "
         "or the publication date (published)"),
        ("date_from", _str, "content or published; null when no date is known"),
        ("article_ids", _strs, "the event's articles"),
        ("timeline", _list(pa.struct([
            ("article_id", _str), ("date", _str), ("stated_date", _str),
            ("outlet", _str), ("title", _str)])),
         "the event's articles in date order; date is the trusted date, stated_date the "
         "stated one where the content contradicts it"),
    ],
    "stories": [
        _SCOPE,
        ("id", _str, "story id"),
        ("title", _str, "story title"),
        ("summary", _str, "extractive summary"),
        ("article_ids", _strs, "the story's articles"),
        ("event_ids", _strs, "its events, in order (rows of the events table)"),
    ],
    "entities": [
        _SCOPE,
        ("id", _str, "entity id"),
        ("name", _str, "canonical name"),
        ("type", _str, "person, organization, place, group or product"),
        ("subtype", _str, "media, think-tank, weapon, where known"),
        ("article_ids", _strs, "articles naming it"),
        ("roles", _strs, "roles the texts give it (\"Foreign Ministry spokesman\")"),
        ("garbled", _bool, "true when any variant is garbled"),
        ("variants", _list(pa.struct([
            ("text", _str), ("kind", _str), ("count", _int), ("article_ids", _strs),
            ("garbled", _bool)])),
         "every name seen: kind canonical, partial, alias, acronym, misspelling or garbled"),
    ],
    "attributions": [
        _SCOPE,
        ("claim_id", _str, "the claim the attributed statement is under"),
        ("position", _int, "0, 1, 2...: its place among the claim's attributions"),
        ("article_id", _str, "the article making it"),
        ("source_text", _str, "who says it, as written; null when no source is named"),
        ("source_start", _int, "character offset of the source in the article's text"),
        ("source_end", _int, "end offset of the source"),
        ("cue_text", _str, "the cue (\"said\", \"told CNN\")"),
        ("cue_start", _int, "character offset of the cue"),
        ("cue_end", _int, "end offset of the cue"),
        ("content_text", _str, "what is said (the longest part, when interrupted)"),
        ("content_start", _int, "character offset of the content"),
        ("content_end", _int, "end offset of the content"),
        ("content_parts", _list(SPAN), "the pieces of an interrupted content; null if whole"),
        ("quote", _str, "direct, indirect or mixed"),
        ("source_type", _str, "named, anonymous, media, document, organization or unstated"),
        ("source_entity", _str, "entity id of the source"),
        ("source_role", _str, "the role the text gives the source"),
        ("via", _str, "the outlet told (\"told CNN\")"),
        ("denial", _bool, "true when the statement denies something"),
    ],
    "claims": [
        _SCOPE,
        ("id", _str, "claim id"),
        ("text", _str, "the proposition"),
        ("kind", _str, "claim, or denial (a statement denying another claim)"),
        ("article_ids", _strs, "articles carrying it"),
        ("attribution_count", _int, "its rows in the attributions table"),
        ("stances", _list(pa.struct([
            ("article_id", _str), ("stance", _str), ("by", _str), ("evidence", SPAN)])),
         "each article's stance: reports, hedges, denies or asserts; by: who denies"),
        ("denies", _strs, "ids of the claims this denial denies"),
        ("denied_by", _strs, "ids of the denials of this claim"),
        ("origins", _list(pa.struct([
            ("kind", _str), ("id", _str), ("name", _str), ("outlet", _str), ("date", _str),
            ("anonymous", _bool), ("first_report", _bool)])),
         "(provenance) the earliest sources carrying it not by copy or citation"),
        ("first_reporter", pa.struct([
            ("id", _str), ("outlet", _str), ("date", _str), ("evidence", _str)]),
         "(provenance) who reported it first, and why"),
        ("chains", _list(pa.struct([
            ("article_id", _str),
            ("path", _list(pa.struct([
                ("node", _str), ("kind", _str), ("outlet", _str), ("via", _str)])))])),
         "(provenance) each carrying article's way back to its origin"),
        ("independent_sources", _int, "(provenance) origins that do not lead to one another"),
    ],
    "citations": [
        _SCOPE,
        ("id", _str, "citation id"),
        ("article_id", _str, "the citing article"),
        ("cited", _str, "the outlet, document or organisation cited, as named"),
        ("cited_entity", _str, "its entity id"),
        ("cited_kind", _str, "media, document, organization or person"),
        ("cue", _str, "the cue (\"reported\", \"according to\")"),
        ("date", _str, "the date the text gives for the cited report, ISO"),
        ("first_report", _bool, "true when the text says the cited one reported first"),
        ("claim_id", _str, "the claim it supports"),
        ("span_text", _str, "the passage the citation was read from (its source, as written)"),
        ("span_start", _int, "character offset of the passage in the article's text"),
        ("span_end", _int, "end offset of the passage"),
    ],
    "anomalies": [
        _SCOPE,
        ("id", _str, "anomaly id"),
        ("kind", _str, "republication, date-content-conflict, repost-channel, "
         "translation-artifacts, spinning-artifacts or anonymous-only-origin"),
        ("article_ids", _strs, "the articles concerned"),
        ("description", _str, "one sentence for people"),
        ("evidence", _str, "the checkable facts, a JSON object (its keys depend on kind)"),
    ],
}


def _schema(table: str, columns: list[_Column]) -> pa.Schema:
    fields = [pa.field(name, kind, metadata={"description": doc})
              for name, kind, doc in columns]
    return pa.schema(fields, metadata={"newstrace.table": table,
                                       "newstrace.version": __version__})


#: the Arrow schema of each table, in the order the tables are written
SCHEMAS: dict[str, pa.Schema] = {table: _schema(table, cols) for table, cols in _COLUMNS.items()}
#: the table names
TABLES: tuple[str, ...] = tuple(SCHEMAS)

Row = dict[str, Any]


def export_parquet(store: Store, out_dir: str | Path, *, row_group_size: int = ROW_GROUP_SIZE,
                   batch: int = READ_BATCH, compression: str = COMPRESSION) -> dict[str, Path]:
    """Write the store's tables to ``out_dir/TABLE.parquet``; the paths by table name.

    ``out_dir`` is made if missing. Each file is written under a temporary name
    beside it and renamed when every table is written: a failed export leaves
    the files of the previous one (or none), never a partial file under a final
    name. The store should not be written meanwhile: the export reads it in
    batches, not in one snapshot.

        >>> import tempfile
        >>> from newstrace.store import Store
        >>> with Store.open(":memory:") as store, tempfile.TemporaryDirectory() as out:
        ...     [p.name for p in export_parquet(store, out).values()][:2]
        ['articles.parquet', 'reuse_edges.parquet']
    """
    if row_group_size < 1 or batch < 1:
        raise ValueError("row_group_size and batch must be positive")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    writers: dict[str, _TableWriter] = {}
    try:
        for table in TABLES:
            writers[table] = _TableWriter(out, table, row_group_size, compression)
        _write_articles(store, writers["articles"], batch)
        for scope, item in store.iter_items("reuse", batch=batch):
            writers["reuse_edges"].add(_reuse_row(scope, item))
        # one pass over the stories fills both tables: an event is part of its story's item
        for scope, item in store.iter_items("stories", batch=batch):
            writers["stories"].add(_story_row(scope, item))
            writers["events"].add_all(_event_rows(scope, item))
        for scope, item in store.iter_items("entities", batch=batch):
            writers["entities"].add(_entity_row(scope, item))
        for scope, item in store.iter_items("claims", batch=batch):
            writers["claims"].add(_claim_row(scope, item))
            writers["attributions"].add_all(_attribution_rows(scope, item))
        for scope, item in store.iter_items("citations", batch=batch):
            writers["citations"].add(_citation_row(scope, item))
        for scope, item in store.iter_items("anomalies", batch=batch):
            writers["anomalies"].add(_anomaly_row(scope, item))
        for writer in writers.values():
            writer.close()
    except BaseException:
        # an interrupt too: nothing half-written may stay behind, under any name
        for writer in writers.values():
            writer.discard()
        raise
    paths: dict[str, Path] = {}
    try:
        for table, writer in writers.items():
            paths[table] = writer.publish()
    except BaseException:
        for writer in writers.values():
            writer.discard()
        raise
    return paths


class _TableWriter:
    """One table's Parquet file, written under a temporary name a row group at a time."""

    #: rows turned into Arrow at a time: Arrow holds them far smaller than Python dicts
    CHUNK = 1000

    def __init__(self, out: Path, table: str, row_group_size: int, compression: str) -> None:
        self.schema = SCHEMAS[table]
        self.final = out / f"{table}.parquet"
        self.row_group_size = row_group_size
        # a dot name: Spark and Hive skip hidden files, so a reader of the folder never
        # picks up an export in progress. Not mkstemp: its file is private (0600), and the
        # renamed file should have the permissions any new file in the folder gets.
        self.tmp = out / f".{table}.parquet.{os.getpid()}-{secrets.token_hex(4)}.tmp"
        self._writer: pq.ParquetWriter | None = None
        try:
            self._writer = pq.ParquetWriter(self.tmp, self.schema, compression=compression)
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise
        self._rows: list[Row] = []
        self._batches: list[pa.RecordBatch] = []
        self._pending = 0

    def add(self, row: Row) -> None:
        self._rows.append(row)
        if len(self._rows) >= min(self.CHUNK, self.row_group_size):
            self._convert()

    def add_all(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.add(row)

    def _convert(self) -> None:
        if self._rows:
            # from_pylist with the schema: a value of the wrong type fails here, loudly
            self._batches.append(pa.RecordBatch.from_pylist(self._rows, schema=self.schema))
            self._pending += len(self._rows)
            self._rows = []
        if self._pending >= self.row_group_size:
            self._flush(whole_groups_only=True)

    def _flush(self, *, whole_groups_only: bool) -> None:
        assert self._writer is not None
        table = pa.Table.from_batches(self._batches, schema=self.schema)
        # row groups of exactly row_group_size rows: a short one only at the end
        while table.num_rows >= self.row_group_size or (
                not whole_groups_only and table.num_rows):
            part = table.slice(0, self.row_group_size)
            self._writer.write_table(part, row_group_size=self.row_group_size)
            table = table.slice(part.num_rows)
        self._batches = table.to_batches()
        self._pending = table.num_rows

    def close(self) -> None:
        self._convert()
        self._flush(whole_groups_only=False)
        assert self._writer is not None
        self._writer.close()
        self._writer = None

    def discard(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(Exception):  # the file goes anyway
                self._writer.close()
            self._writer = None
        self.tmp.unlink(missing_ok=True)

    def publish(self) -> Path:
        # os.replace is atomic on one file system: a reader sees the old file or the new
        os.replace(self.tmp, self.final)
        return self.final


# -- rows ---------------------------------------------------------------------------------------
def _write_articles(store: Store, writer: _TableWriter, batch: int) -> None:
    order = 0
    for articles in _chunks(store.iter_articles(batch=batch), batch):
        scopes = store.scopes_of(a.id for a in articles)
        for article in articles:
            writer.add(_article_row(article, order, scopes.get(article.id)))
            order += 1


def _chunks(items: Iterator[Article], size: int) -> Iterator[list[Article]]:
    chunk: list[Article] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _article_row(article: Article, order: int, scope: str | None) -> Row:
    return {
        "id": article.id, "ingest_order": order, "scope": scope, "source": article.source,
        "url": article.url, "outlet": article.outlet, "outlet_from": article.outlet_from,
        "title": article.title, "authors": list(article.authors),
        "published": article.published, "published_date": iso_day(article.published),
        "published_from": article.published_from, "language": article.language,
        "text": article.text,
        "boilerplate": [{"text": b.text, "reason": b.reason} for b in article.boilerplate],
    }


def _reuse_row(scope: str, item: Row) -> Row:
    return {
        "scope": scope, "id": item.get("id"), "original_id": item.get("original"),
        "copy_id": item.get("copy"), "kind": item.get("kind"), "score": item.get("score"),
        "coverage": item.get("coverage"),
        "direction_evidence": item.get("direction_evidence"),
        "direction_confidence": item.get("direction_confidence"),
        "aligned": item.get("aligned"),
        "changes": _each(item.get("changes"), lambda c: {
            **c, "before": _words(c.get("from")), "after": _words(c.get("to"))}),
    }


def _story_row(scope: str, item: Row) -> Row:
    return {
        "scope": scope, "id": item.get("id"), "title": item.get("title"),
        "summary": item.get("summary"), "article_ids": item.get("article_ids"),
        "event_ids": [e.get("id") for e in item.get("events") or []],
    }


def _event_rows(scope: str, story: Row) -> Iterator[Row]:
    for event in story.get("events") or []:
        yield {
            "scope": scope, "story_id": story.get("id"), "id": event.get("id"),
            "title": event.get("title"), "summary": event.get("summary"),
            "date": iso_day(event.get("date")), "date_from": event.get("date_from"),
            "article_ids": event.get("article_ids"), "timeline": event.get("timeline"),
        }


def _entity_row(scope: str, item: Row) -> Row:
    return {"scope": scope, **_pick(item, "id", "name", "type", "subtype", "article_ids",
                                    "roles", "garbled", "variants")}


def _claim_row(scope: str, item: Row) -> Row:
    row = {"scope": scope, **_pick(item, "id", "text", "kind", "article_ids", "stances",
                                   "denies", "denied_by", "origins", "first_reporter",
                                   "chains", "independent_sources")}
    row["attribution_count"] = len(item.get("attributions") or [])
    return row


def _attribution_rows(scope: str, claim: Row) -> Iterator[Row]:
    for position, a in enumerate(claim.get("attributions") or []):
        yield {
            "scope": scope, "claim_id": claim.get("id"), "position": position,
            "article_id": a.get("article_id"),
            **_span("source", a.get("source")), **_span("cue", a.get("cue")),
            **_span("content", a.get("content")), "content_parts": a.get("content_parts"),
            **_pick(a, "quote", "source_type", "source_entity", "source_role", "via",
                    "denial"),
        }


def _citation_row(scope: str, item: Row) -> Row:
    return {"scope": scope, **_pick(item, "id", "article_id", "cited", "cited_entity",
                                    "cited_kind", "cue", "date", "first_report", "claim_id"),
            **_span("span", item.get("span"))}


def _anomaly_row(scope: str, item: Row) -> Row:
    evidence = item.get("evidence")
    return {"scope": scope, **_pick(item, "id", "kind", "article_ids", "description"),
            # free-form by kind: JSON keeps every key without a schema for each kind
            "evidence": None if evidence is None else json.dumps(evidence, ensure_ascii=False)}


# -- helpers ------------------------------------------------------------------------------------
def _pick(item: Row, *keys: str) -> Row:
    return {key: item.get(key) for key in keys}


def _span(prefix: str, span: Row | None) -> Row:
    """A span as three flat columns, all null when there is none."""
    span = span or {}
    return {f"{prefix}_text": span.get("text"), f"{prefix}_start": span.get("start"),
            f"{prefix}_end": span.get("end")}


def _each(values: list[Row] | None, fn: Callable[[Row], Row]) -> list[Row] | None:
    return None if values is None else [fn(v) for v in values]


def _words(value: str | int | list[Any] | None) -> list[str] | None:
    """A change's ``from``/``to``: a list of words, one phrase or sentence, or a count (a
    negation change counts the negation cues); always a list of strings here, so the
    column has one type.

    >>> _words("attack drones"), _words(["suggest"]), _words(None), _words(0)
    (['attack drones'], ['suggest'], None, ['0'])
    """
    if value is None:
        return None
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
