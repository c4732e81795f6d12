"""Bring a Spark job's tables into a store (SQLite or PostgreSQL), without pyspark.

    >>> import tempfile
    >>> from newstrace.store import Store
    >>> with Store.open(":memory:") as store, tempfile.TemporaryDirectory() as out:
    ...     load_tables(out, store)
    Traceback (most recent call last):
    ...
    FileNotFoundError: no articles table in ...

The articles go in in ingest order (as ``newstrace ingest`` would add them); then what
the linking stages keep (the per-article products, the reuse index's keys, the story
clusterer's rows and both stages' states), through the store's own tables as the
pipeline writes them, so that a later ``newstrace analyze`` of new articles links them
to the loaded ones; then each scope's results replace what the store held for those
articles, and errors already recorded are not recorded again. Every table is read a
batch at a time and written in batches of :data:`BATCH` rows, one transaction each.
Loading the same folder twice leaves the store as loading it once. ``newstrace
report``, ``serve`` and the library then work on it.

The stage tables are loaded only into a store whose linking stages hold nothing yet
(a new store, or one with articles ingested and not analysed), or hold this folder's
own (loaded before): they are one run's structures, and cannot be merged with another
analysis's (the articles of the two were never compared). Otherwise the articles,
results and errors are loaded as before, the store's stage tables are kept, and the
summary says why (``"indexes": "skipped: ..."``).
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pyarrow.dataset as ds

from newstrace.records import Article, Boilerplate, InputError
from newstrace.store import Store

log = logging.getLogger(__name__)

#: articles, scopes, products or stage rows written to the store in one transaction
BATCH = 500
#: index keys written in one transaction (small rows: an article has some forty)
KEY_BATCH = 5000
#: the stage state under which a load notes whose stage tables the store holds: the
#: digest of the loaded folder's article ids, in ingest order
LOAD_STATE = "spark.load"

Row = dict[str, Any]
#: a scope's items by kind
Items = dict[str, list[dict[str, Any]]]
T = TypeVar("T")


def _table(folder: Path, name: str) -> ds.Dataset | None:
    path = folder / f"{name}.parquet"
    if not path.exists():
        return None
    return ds.dataset(path, format="parquet")


def _rows(dataset: ds.Dataset | None, columns: list[str] | None = None) -> Iterator[Row]:
    """Rows in the job's order: part files by name, each in its own order."""
    if dataset is None:
        return
    for fragment in sorted(dataset.get_fragments(), key=lambda f: f.path):
        for batch in fragment.to_batches(columns=columns):
            yield from batch.to_pylist()


def _in_order(dataset: ds.Dataset | None, column: str) -> bool:
    """Whether ``dataset``'s rows come sorted by ``column`` (as the job writes each
    table), read one column a batch at a time."""
    last: Any = None
    for row in _rows(dataset, [column]):
        value = row[column]
        if last is not None and value is not None and value < last:
            return False
        last = value if value is not None else last
    return True


def _batches(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """``rows`` in lists of ``size`` (the last one shorter), read as they are needed."""
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _article(row: Row) -> Article:
    return Article(id=row["id"], source=row["source"], text=row["text"], url=row["url"],
                   outlet=row["outlet"], outlet_from=row["outlet_from"], title=row["title"],
                   authors=list(row["authors"] or []), published=row["published"],
                   published_from=row["published_from"], language=row["language"],
                   boilerplate=[Boilerplate(b["text"], b["reason"])
                                for b in row["boilerplate"] or []])


def load_tables(folder: str | Path, store: Store) -> dict[str, Any]:
    """Load the tables of ``folder`` (a job's output) into ``store``: what was loaded
    (``articles``, ``scopes``, new ``errors``, the stage tables' ``products``,
    ``index_keys`` and ``stage_rows``, and ``indexes``: ``loaded``, ``not in the
    folder`` for a folder of an earlier job, or ``skipped: <why>``)."""
    from newstrace.pipeline import STATUS_STATE

    folder = Path(folder)
    articles = _table(folder, "articles")
    if articles is None:
        raise FileNotFoundError(f"no articles table in {folder}")
    digests = {row["article_id"]: row["raw_sha"]
               for row in _rows(_table(folder, "sources"), ["article_id", "raw_sha"])}
    members: dict[str, list[str]] = {}
    identity = hashlib.sha256()
    count = 0
    for batch in _batches(_in_ingest_order(articles), BATCH):
        loaded = [_article(row) for row in batch]
        for row, article in zip(batch, loaded, strict=True):
            identity.update(f"{article.id}\n".encode())
            if row["scope"]:
                members.setdefault(row["scope"], []).append(article.id)
        store.add_articles([(a, digests.get(a.id, "")) for a in loaded])
        count += len(loaded)
    # before the results: an interrupted load leaves articles not analysed yet (a later
    # analysis takes them up), never analysed articles that no index holds
    linking = _load_linking(folder, store, identity.hexdigest())
    scopes = _load_results(store, _table(folder, "results"), members)
    errors = [InputError(r["source"], r["reason"], r["stage"])
              for r in _rows(_table(folder, "errors"))]
    known = {(e.source, e.stage, e.reason) for e in store.errors(limit=2**62)}
    fresh = [e for e in errors if (e.source, e.stage, e.reason) not in known]
    store.record_errors(fresh)
    status = {r["stage"]: r["status"] for r in _rows(_table(folder, "analyses"))}
    if status:
        store.save_state(STATUS_STATE, {"status": status})
    return {"articles": count, "scopes": scopes, "errors": len(fresh), **linking}


def _in_ingest_order(articles: ds.Dataset) -> Iterator[Row]:
    """The articles table's rows by ``ingest_order``: read as the job wrote them (in
    that order), or sorted in memory for a folder written otherwise."""
    if _in_order(articles, "ingest_order"):
        return _rows(articles)
    return iter(sorted(_rows(articles), key=lambda r: r["ingest_order"]))


# -- the linking stages' tables -----------------------------------------------------------------
def _load_linking(folder: Path, store: Store, identity: str) -> dict[str, Any]:
    """The folder's ``products``, ``index_keys``, ``stage_rows`` and ``stage_state``,
    written through the store's product cache, key indexes, stage rows and states
    (the tables the pipeline's stages read and write), when the store can take them."""
    counts: dict[str, Any] = {"products": 0, "index_keys": 0, "stage_rows": 0}
    states = {r["stage"]: json.loads(r["data"])
              for r in _rows(_table(folder, "stage_state"))}
    if not states:
        return {"indexes": "not in the folder", **counts}
    reason = _cannot_take(store, states, identity)
    if reason:
        log.warning("the stage tables of %s are not loaded: %s", folder, reason)
        return {"indexes": f"skipped: {reason}", **counts}
    # noted first: a load cut short after it is taken up by loading this folder again
    store.save_state(LOAD_STATE, {"articles": identity})
    counts["products"] = _write_grouped(
        _rows(_table(folder, "products")), "kind", BATCH,
        lambda kind, rows: store.products.save(
            kind, {r["article_id"]: json.loads(r["data"]) for r in rows}))
    counts["index_keys"] = _write_grouped(
        _rows(_table(folder, "index_keys")), "stage", KEY_BATCH,
        lambda stage, rows: store.key_index(stage).add([(r["key"], r["member"])
                                                        for r in rows]))
    counts["stage_rows"] = _write_grouped(
        _rows(_table(folder, "stage_rows")), "stage", BATCH,
        lambda stage, rows: store.stage_rows(stage).save(
            {r["key"]: json.loads(r["data"]) for r in rows}))
    # last: a stage's state says how much its tables hold
    for stage, state in sorted(states.items()):
        store.save_state(stage, state)
    return {"indexes": "loaded", **counts}


def _cannot_take(store: Store, states: dict[str, Any], identity: str) -> str | None:
    """Why the store cannot take the folder's stage tables (None: it can)."""
    held = {stage: store.load_state(stage) for stage in states}
    marker = (store.load_state(LOAD_STATE) or {}).get("articles")
    if marker is None:
        if any(state is not None for state in held.values()):
            return ("the store holds an analysis of its own; a later analysis links new "
                    "articles to its articles, not to the loaded ones")
        return None
    if marker != identity:
        return ("the store holds the stage tables of another Spark run; a later analysis "
                "links new articles to that run's articles, not to these")
    if any(state is not None and state != states[stage] for stage, state in held.items()):
        return ("the store was analysed after this folder was loaded; its stage tables "
                "hold that analysis and are kept")
    return None


def _write_grouped(rows: Iterable[Row], column: str, size: int,
                   write: Callable[[str, list[Row]], None]) -> int:
    """Write ``rows`` ``size`` at a time, each batch's rows by their ``column`` value
    (a product kind, a stage); the number written."""
    written = 0
    for batch in _batches(rows, size):
        groups: dict[str, list[Row]] = {}
        for row in batch:
            groups.setdefault(row[column], []).append(row)
        for value, group in groups.items():
            write(value, group)
        written += len(batch)
    return written


# -- results ------------------------------------------------------------------------------------
def _load_results(store: Store, results: ds.Dataset | None,
                  members: dict[str, list[str]]) -> int:
    """Each scope's items (the results table, sorted by scope) with its members, the
    scopes :data:`BATCH` at a time; the number of scopes."""
    empty: Items = {}
    scopes = heapq.merge(_scope_items(results), ((s, empty) for s in sorted(members)),
                         key=lambda pair: pair[0])
    total = 0
    for chunk in _batches(_merged_scopes(scopes), BATCH):
        ids = [a for scope, _ in chunk for a in members.get(scope, [])]
        old = set(store.scopes_of(ids).values()) | {scope for scope, _ in chunk}
        store.replace_scopes(old, [(scope, members.get(scope, []), items)
                                   for scope, items in chunk])
        total += len(chunk)
    return total


def _scope_items(results: ds.Dataset | None) -> Iterator[tuple[str, Items]]:
    """``(scope, items by kind)`` of the results table, by scope: read a scope at a time
    when the table is sorted by scope (as the job writes it), else gathered in memory."""
    if not _in_order(results, "scope"):
        gathered: dict[str, Items] = {}
        for row in _rows(results):
            gathered.setdefault(row["scope"], {}).setdefault(row["kind"], []).append(
                json.loads(row["data"]))
        yield from sorted(gathered.items())
        return
    for scope, rows in itertools.groupby(_rows(results), key=lambda r: r["scope"]):
        items: Items = {}
        for row in rows:
            items.setdefault(row["kind"], []).append(json.loads(row["data"]))
        yield scope, items


def _merged_scopes(scopes: Iterable[tuple[str, Items]]) -> Iterator[tuple[str, Items]]:
    """One ``(scope, items)`` a scope, from scopes sorted by key (a scope may come twice:
    with its results, and with no items for its members)."""
    for scope, group in itertools.groupby(scopes, key=lambda pair: pair[0]):
        items: Items = {}
        for _, found in group:
            for kind, values in found.items():
                items.setdefault(kind, []).extend(values)
        yield scope, items
