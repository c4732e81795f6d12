"""Per-article steps, run in Spark tasks: read and clean one file, compute products.

The functions here take and yield plain tuples (no pyspark): the job maps them over
partitions. Models (the sentence encoder, spaCy, the taggers) are module-level caches
of newstrace itself, so each executor's Python worker loads them once and keeps them
for every task it runs (Spark reuses its Python workers).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from newstrace.ingest.files import describe_failure, safe_text
from newstrace.records import Article, InputError
from newstrace.spark.inputs import read_file

log = logging.getLogger(__name__)

#: articles handed to the claims parse at a time (one spaCy batch)
CLAIMS_BATCH = 64

ARTICLE, ERROR = "article", "error"


def error_row(error: InputError, file_index: int = -1, record: int = 0) -> tuple[Any, ...]:
    return (ERROR, file_index, record, safe_text(error.source), error.stage,
            safe_text(error.reason))


def read_and_clean(files: Iterable[tuple[int, str, bytes | None]]) -> Iterator[tuple[Any, ...]]:
    """Articles and errors of each file ``(index, name, bytes or None)``, numbered in
    reading order: ``("article", file, record, raw digest, article JSON)`` or
    ``("error", file, record, source, stage, reason)``."""
    from newstrace.pipeline import clean_one
    from newstrace.store import raw_digest

    for index, name, content in files:
        record = 0
        try:
            for item in read_file(name, content):
                record += 1
                if isinstance(item, InputError):
                    yield error_row(item, index, record)
                    continue
                cleaned = clean_one(item)
                if isinstance(cleaned, InputError):
                    yield error_row(cleaned, index, record)
                    continue
                yield (ARTICLE, index, record, raw_digest(item.content),
                       json.dumps(cleaned.to_dict(), ensure_ascii=False))
        except Exception as exc:  # a reader bug: this file's error, never the job's
            log.debug("reading %s failed", name, exc_info=True)
            yield error_row(InputError(name, f"cannot read: {describe_failure(exc)}"),
                            index, record + 1)


_configured = False


def one_process() -> None:
    """A task is one process: the claims parse must not start helpers of its own."""
    global _configured
    if not _configured:
        from newstrace import settings

        settings.configure(processes=1)
        _configured = True


def products(rows: Iterable[tuple[int, str]]) -> Iterator[tuple[Any, ...]]:
    """The per-article products of ``(order, article JSON)`` rows, as the stages make
    them: ``(order, id, article JSON, reuse entry, lookup keys, document vector, story
    features, claims extraction, summary terms, errors, prepared)``; a product that
    fails is None, and its ``(source, stage, reason)`` is in ``errors``; ``prepared``
    maps the kind of every product the stages' ``prepare`` kept of the article (the
    claims extraction among them) to its JSON."""
    one_process()
    batch: list[tuple[int, str, Article]] = []
    for order, data in rows:
        batch.append((order, data, Article.from_dict(json.loads(data))))
        if len(batch) >= CLAIMS_BATCH:
            yield from _products(batch)
            batch = []
    if batch:
        yield from _products(batch)


def _products(batch: list[tuple[int, str, Article]]) -> Iterator[tuple[Any, ...]]:
    import numpy as np

    from newstrace.claims import prepare
    from newstrace.claims.products import extract_kind
    from newstrace.reuse.entries import entry_to_product
    from newstrace.stages import MemoryProducts
    from newstrace.stories.features import extract, features_to_product, terms

    articles = [a for _, _, a in batch]
    kept = MemoryProducts()
    claims_failure = None
    try:
        prepare(articles, kept)
    except Exception as exc:
        log.debug("claims products failed", exc_info=True)
        claims_failure = f"claims products failed: {describe_failure(exc)}"
    claims = kept.values.get(extract_kind(), {})
    index = _index()
    for order, data, article in batch:
        errors: list[tuple[str, str, str]] = []
        entry_json = keys = vector = features_json = None
        try:
            entry = index.entry_for(article)
            entry.order = order
            entry_json, keys = json.dumps(entry_to_product(entry)), index.keys(entry)
            vector = np.asarray(entry.doc_vector, dtype=np.float32).tobytes()
        except Exception as exc:
            errors.append((article.source, "reuse",
                           f"reuse entry failed: {describe_failure(exc)}"))
        try:
            features_json = json.dumps(features_to_product(extract(article)),
                                       ensure_ascii=False)
        except Exception as exc:
            errors.append((article.source, "stories",
                           f"story features failed: {describe_failure(exc)}"))
        if claims_failure:
            errors.append((article.source, "claims", claims_failure))
        words = sorted(set(terms(f"{article.title or ''} {article.text}")))
        prepared = {kind: values[article.id] for kind, values in kept.values.items()
                    if article.id in values}
        yield (order, article.id, data, entry_json, keys, vector, features_json,
               claims.get(article.id), words, errors, prepared)


def product_rows(product: tuple[Any, ...]) -> Iterator[tuple[int, str, str, str]]:
    """The per-article products of one row of :func:`products` as a store keeps them:
    ``(order, article id, kind, product JSON)``, one row per product made (a failed one
    has none: a later analysis makes it). The kinds are this worker's (a claims parse's
    names its models and settings): a store whose analysis differs in them reads none
    of those and makes them again, as it should."""
    from newstrace.reuse.entries import ENTRY_PRODUCT
    from newstrace.stories import FEATURES_PRODUCT

    order, article_id = product[0], product[1]
    made = {ENTRY_PRODUCT: product[3], FEATURES_PRODUCT: product[6], **product[10]}
    for kind, data in made.items():
        if data is not None:
            yield order, article_id, kind, data


_reuse_index: Any = None


def _index() -> Any:
    """A reuse index with nothing in it: its keys and comparisons (once a process)."""
    global _reuse_index
    if _reuse_index is None:
        from newstrace.reuse.index import ReuseIndex

        _reuse_index = ReuseIndex()
    return _reuse_index
