"""Bring a Spark job's tables into a store (SQLite or PostgreSQL), without pyspark.

    >>> import tempfile
    >>> from newstrace.store import Store
    >>> with Store.open(":memory:") as store, tempfile.TemporaryDirectory() as out:
    ...     load_tables(out, store)
    Traceback (most recent call last):
    ...
    FileNotFoundError: no articles table in ...

The articles go in in ingest order (as ``newstrace ingest`` would add them), each
scope's results replace what the store held for those articles, and errors already
recorded are not recorded again: loading the same folder twice leaves the store as
loading it once. ``newstrace report``, ``serve`` and the library then work on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

from newstrace.records import Article, Boilerplate, InputError
from newstrace.store import Store

#: articles, or scopes, written to the store in one transaction
BATCH = 500


def _table(folder: Path, name: str) -> ds.Dataset | None:
    path = folder / f"{name}.parquet"
    if not path.exists():
        return None
    return ds.dataset(path, format="parquet")


def _rows(dataset: ds.Dataset | None, columns: list[str] | None = None
          ) -> Iterator[dict[str, Any]]:
    """Rows in the job's order: part files by name, each in its own order."""
    if dataset is None:
        return
    for fragment in sorted(dataset.get_fragments(), key=lambda f: f.path):
        for batch in fragment.to_batches(columns=columns):
            yield from batch.to_pylist()


def _article(row: dict[str, Any]) -> Article:
    return Article(id=row["id"], source=row["source"], text=row["text"], url=row["url"],
                   outlet=row["outlet"], outlet_from=row["outlet_from"], title=row["title"],
                   authors=list(row["authors"] or []), published=row["published"],
                   published_from=row["published_from"], language=row["language"],
                   boilerplate=[Boilerplate(b["text"], b["reason"])
                                for b in row["boilerplate"] or []])


def load_tables(folder: str | Path, store: Store) -> dict[str, int]:
    """Load the tables of ``folder`` (a job's output) into ``store``: what was loaded."""
    from newstrace.pipeline import STATUS_STATE

    folder = Path(folder)
    articles = _table(folder, "articles")
    if articles is None:
        raise FileNotFoundError(f"no articles table in {folder}")
    digests = {row["article_id"]: row["raw_sha"]
               for row in _rows(_table(folder, "sources"), ["article_id", "raw_sha"])}
    members: dict[str, list[str]] = {}
    batch: list[tuple[Article, str]] = []
    count = 0
    for row in sorted(_rows(articles), key=lambda r: r["ingest_order"]):
        article = _article(row)
        batch.append((article, digests.get(article.id, "")))
        if row["scope"]:
            members.setdefault(row["scope"], []).append(article.id)
        if len(batch) >= BATCH:
            count += len(batch)
            store.add_articles(batch)
            batch = []
    if batch:
        count += len(batch)
        store.add_articles(batch)
    scopes = _load_results(store, _rows(_table(folder, "results")), members)
    errors = [InputError(r["source"], r["reason"], r["stage"])
              for r in _rows(_table(folder, "errors"))]
    known = {(e.source, e.stage, e.reason) for e in store.errors(limit=2**62)}
    fresh = [e for e in errors if (e.source, e.stage, e.reason) not in known]
    store.record_errors(fresh)
    status = {r["stage"]: r["status"] for r in _rows(_table(folder, "analyses"))}
    if status:
        store.save_state(STATUS_STATE, {"status": status})
    return {"articles": count, "scopes": scopes, "errors": len(fresh)}


def _load_results(store: Store, results: Iterator[dict[str, Any]],
                  members: dict[str, list[str]]) -> int:
    """Each scope's items (the results table, sorted by scope) with its members."""
    items: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in results:
        items.setdefault(row["scope"], {}).setdefault(row["kind"], []).append(
            json.loads(row["data"]))
    order = sorted(set(members) | set(items))
    for start in range(0, len(order), BATCH):
        chunk = order[start:start + BATCH]
        ids = [a for scope in chunk for a in members.get(scope, [])]
        old = set(store.scopes_of(ids).values()) | set(chunk)
        store.replace_scopes(old, [(scope, members.get(scope, []), items.get(scope, {}))
                                   for scope in chunk])
    return len(order)
