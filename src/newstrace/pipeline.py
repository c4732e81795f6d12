"""The pipeline: ingest -> clean -> store -> analysis stages -> report.

    >>> from newstrace.store import Store
    >>> store = Store.open(":memory:")
    >>> summary = ingest(["../shared/data/seeds"], store)  # doctest: +SKIP
    >>> report = analyze(summary.article_ids, store)       # doctest: +SKIP

Stages run in the order of :data:`STAGES`; each is loaded lazily so that a
missing optional part never stops the others, and each one's state and results
are kept in the store.
"""

from __future__ import annotations

import gc
import inspect
import logging
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, StatementError

from newstrace.clean import CleaningError, clean_document
from newstrace.ingest import describe_failure, iter_inputs
from newstrace.ingest.files import safe_text
from newstrace.records import Article, InputError, RawDocument
from newstrace.registry import REPORT_KEYS, STAGES
from newstrace.scopes import (
    components,
    in_canonical_order,
    item_article_ids,
    merge_items,
    scope_key,
)
from newstrace.stages import (
    KeyIndex,
    MemoryProducts,
    ProductCache,
    RowStore,
    Stage,
    StageContext,
    StageResult,
)
from newstrace.store import Store, raw_digest

log = logging.getLogger(__name__)





@dataclass
class IngestSummary:
    """What one ingest did: ids of the articles read (new or known) and what failed."""

    article_ids: list[str] = field(default_factory=list)
    added: int = 0
    existing: int = 0
    errors: list[InputError] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles": len(self.article_ids),
            "added": self.added,
            "existing": self.existing,
            "errors": [e.to_dict() for e in self.errors],
        }


ProgressFn = Callable[[str], None]


def ingest(
    inputs: Iterable[str],
    store: Store,
    *,
    progress: ProgressFn | None = None,
    batch_size: int = 100,
    workers: int = 1,
    html_extractor: str = "trafilatura",
    **reader_options: Any,
) -> IngestSummary:
    """Read, clean and store every article in ``inputs``; bad parts are reported, not fatal.

    Articles are written in transactional batches of ``batch_size``: an
    interruption loses at most the two batches in flight (one being cleaned, one
    being stored; never half of one), and a rerun skips every input part already
    stored (same source, same bytes) without cleaning it again. ``workers`` > 1
    cleans in that many processes; order and results are the same.
    ``html_extractor="resiliparse"`` trades some precision for ~2.5x faster HTML.
    """
    clean = partial(clean_one, html_extractor=html_extractor)
    summary = IngestSummary()
    seen: set[str] = set()

    def note(article_id: str) -> None:
        if article_id not in seen:
            seen.add(article_id)
            summary.article_ids.append(article_id)

    def start(batch: list[RawDocument | InputError]) -> _Batch:
        """Look a batch up in the store and hand its fresh documents to the workers."""
        docs = [item for item in batch if isinstance(item, RawDocument)]
        digests = {id(doc): raw_digest(doc.content) for doc in docs}
        stored = store.known_sources([(doc.source, digests[id(doc)]) for doc in docs])
        known = {id(doc): stored.get((doc.source, digests[id(doc)])) for doc in docs}
        fresh = [doc for doc in docs if known[id(doc)] is None]
        return _Batch(batch, digests, known, fresh, clean_many(fresh, pool_for(fresh), clean))

    def finish(started: _Batch) -> None:
        """Collect a batch's cleaned articles, store them in one transaction, report."""
        batch, digests, known, fresh = started.items, started.digests, started.known, \
            started.fresh
        cleaned = dict(zip(map(id, fresh), started.results, strict=True))
        stored_keys = [key for key, out in cleaned.items() if isinstance(out, Article)]
        added = _store_articles(store, [(key, cleaned[key], digests[key])  # type: ignore[misc]
                                        for key in stored_keys])
        for key, outcome in added.items():
            if isinstance(outcome, InputError):  # this article alone could not be stored
                cleaned[key] = outcome
        for item in batch:  # report in input order
            key = id(item)
            if isinstance(item, InputError):
                summary.errors.append(item)
            elif known.get(key) is not None:
                summary.existing += 1
                note(known[key])  # type: ignore[arg-type]
            elif isinstance(cleaned[key], InputError):
                summary.errors.append(cleaned[key])  # type: ignore[arg-type]
            else:
                article = cleaned[key]
                is_new = added[key]
                summary.added += is_new
                summary.existing += not is_new
                note(article.id)  # type: ignore[union-attr]
            if progress:
                progress(item.source)

    pool: ProcessPoolExecutor | None = None

    def pool_for(docs: Sequence[RawDocument]) -> ProcessPoolExecutor | None:
        # started on the first batch worth it: a handful of files is cleaned faster
        # here than by starting worker processes that import the cleaners again
        nonlocal pool
        if pool is None and workers > 1 and len(docs) >= MIN_POOL_BATCH:
            pool = ProcessPoolExecutor(workers, mp_context=_POOL_CONTEXT,
                                       initializer=freeze_gc_between_documents)
        return pool

    try:
        # one batch in flight: the workers clean batch n+1 while this process stores
        # batch n and reads the files of batch n+2
        batch: list[RawDocument | InputError] = []
        in_flight: _Batch | None = None
        for item in iter_inputs(inputs, **reader_options):
            batch.append(item)
            if len(batch) >= batch_size:
                started = start(batch)
                batch = []
                if in_flight is not None:
                    finish(in_flight)
                in_flight = started
        started = start(batch)
        if in_flight is not None:
            finish(in_flight)
        finish(started)
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
        for error in summary.errors:
            # the readers made every source storable; a reason may quote a cleaner's or
            # the driver's message: the last guard before the store
            error.source, error.reason = safe_text(error.source), safe_text(error.reason)
        store.record_errors(summary.errors)
    return summary


def _store_articles(store: Store, items: Sequence[tuple[int, Article, str]]
                    ) -> dict[int, bool | InputError]:
    """Store a batch in one transaction: key -> True if new, False if known already.

    If the batch fails, its articles are stored one by one, so that one the store
    refuses (too long to index, a value the database cannot hold) becomes that
    article's InputError and the others are kept. A failure of the store itself
    (connection lost, disk full) is raised, as before.
    """
    try:
        added = store.add_articles([(article, digest) for _, article, digest in items])
        return {key: new for (key, _, _), new in zip(items, added, strict=True)}
    except Exception as exc:
        if not _refused_input(exc):
            raise
        if len(items) == 1:
            return {items[0][0]: _store_error(items[0][1], exc)}
    outcome: dict[int, bool | InputError] = {}
    for key, article, digest in items:
        try:
            outcome[key] = store.add_articles([(article, digest)])[0]
        except Exception as exc:
            if not _refused_input(exc):
                raise
            outcome[key] = _store_error(article, exc)
    return outcome


#: SQLSTATE classes of errors caused by the data of a statement, not by the store
#: itself: data exception, integrity constraint, program limit (a tsvector over 1 MB)
_INPUT_SQLSTATES = ("22", "23", "54")


def _refused_input(exc: BaseException) -> bool:
    """Whether a failed insert was refused for what it held (not a store failure)."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return False
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate:
            return str(sqlstate)[:2] in _INPUT_SQLSTATES
        # sqlite3's errors have no SQLSTATE: "string or blob too big" is a DataError
        return isinstance(exc, (DataError, IntegrityError, InterfaceError))
    # the driver could not even send the values (an unencodable string, a NUL byte)
    return isinstance(exc, (StatementError, UnicodeError, ValueError, TypeError, OverflowError))


def _store_error(article: Article, exc: BaseException) -> InputError:
    # the driver's own message, without SQLAlchemy's copy of the statement and values
    cause = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    text = safe_text(str(cause)).strip()
    first = text.splitlines()[0][:200] if text else type(cause).__name__
    log.debug("storing %s failed", article.source, exc_info=exc)
    return InputError(article.source, f"cannot store: {first}", stage="store")


@dataclass
class _Batch:
    """A batch of inputs between its store lookup and its storing."""

    items: list[RawDocument | InputError]
    digests: dict[int, str]
    known: dict[int, str | None]
    fresh: list[RawDocument]
    results: Iterator[Article | InputError]  # of clean_many: in the workers already


#: fewer fresh documents than this in a batch are cleaned in this process
MIN_POOL_BATCH = 16
#: "forkserver", not "fork": forking a process that runs threads (a web server, a
#: database driver, BLAS) can copy a held lock into the child and hang it forever
_POOL_CONTEXT = multiprocessing.get_context("forkserver")


def clean_many(
    docs: Sequence[RawDocument],
    pool: ProcessPoolExecutor | None = None,
    clean: Callable[[RawDocument], Article | InputError] | None = None,
) -> Iterator[Article | InputError]:
    """Clean documents, in order, as the result is iterated; failures become InputErrors.

    With ``pool`` (and two documents or more) they are handed to its workers at once,
    so the caller can do other work before collecting them.
    """
    clean = clean or clean_one
    if pool is None or len(docs) < 2:
        return (clean(doc) for doc in docs)
    return pool.map(clean, docs, chunksize=max(1, len(docs) // 8))


def clean_one(raw: RawDocument, html_extractor: str = "trafilatura") -> Article | InputError:
    """Clean one document; a document with no usable article becomes an InputError."""
    try:
        return clean_document(raw, html_extractor=html_extractor)
    except CleaningError as exc:
        return InputError(raw.source, str(exc), stage="clean")
    except Exception as exc:  # a cleaner bug must not sink the batch
        log.debug("cleaning %s failed", raw.source, exc_info=True)  # no traceback unless asked
        return InputError(raw.source, f"internal error while cleaning: {describe_failure(exc)}",
                          stage="clean")
    finally:
        _gc_freezer.document_done()


class _GcFreezer:
    """Keeps the cyclic garbage collector off the cleaners' long-lived objects.

    The cleaners load models, caches and compiled patterns (trafilatura, htmldate,
    dateparser's locales, langid: millions of objects) that live as long as the
    process, and every full collection walks all of them again (cleaning the dev pages
    in a process that also held their trees: 19.9 -> 9.8 ms a page; a cold 1-worker
    ``newstrace ingest`` of 2,000 pages: 7 % faster). Between
    documents, once the garbage is collected, whatever is still alive is such a
    long-lived object: ``gc.freeze`` moves it out of the collector's sight.
    Freezing is done after documents 1, 8, 64 and then every 256 (each a full
    collection, ~50 ms), so that lazily loaded parts are frozen too.

    Only for processes that do nothing but clean (pool workers, a one-shot command):
    an object frozen and later dropped in a reference cycle is never freed, which a
    long-running server must not risk.
    """

    def __init__(self) -> None:
        self.enabled = False
        self.documents = 0

    def document_done(self) -> None:
        if not self.enabled:
            return
        self.documents += 1
        if self.documents in (1, 8, 64) or self.documents % 256 == 0:
            gc.collect()
            gc.freeze()


_gc_freezer = _GcFreezer()


def freeze_gc_between_documents() -> None:
    """Make this process keep the collector off the cleaners' long-lived objects
    (see :class:`_GcFreezer`): the pool's worker initializer, and the command line's."""
    _gc_freezer.enabled = True


#: the stage state under which the pipeline keeps how the last analysis went
STATUS_STATE = "analyses"


@dataclass
class AnalysisRun:
    """What one analysis brought up to date: the scopes its articles belong to.

    ``articles`` are every article of those scopes (the new ones and those stored
    before that they joined), ``items`` the scopes' results by report key, and
    ``status`` how each stage went.
    """

    articles: list[Article]
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    scopes: list[str] = field(default_factory=list)

    def report_items(self) -> dict[str, list[dict[str, Any]]]:
        return {key: list(self.items.get(key, [])) for key in REPORT_KEYS}


@dataclass
class _Loaded:
    """A stage's functions, loaded (or why it could not be)."""

    stage: Stage
    analyze: Any = None
    link: Any = None
    prepare: Any = None
    takes_context: bool = False
    link_takes_context: bool = False
    failure: str | None = None


def _load(stage: Stage) -> _Loaded:
    try:
        fn = stage.load()
        loaded = _Loaded(stage, fn, stage.link() if stage.link else None,
                         stage.prepare() if stage.prepare else None)
    except (ImportError, NotImplementedError) as exc:
        return _Loaded(stage, failure=f"not available: {exc}")
    loaded.takes_context = _takes_context(fn)
    loaded.link_takes_context = loaded.link is not None and _takes_context(loaded.link)
    return loaded


def _takes_context(fn: Any) -> bool:
    """Whether a stage function takes ``context`` (a caller's own stage may not)."""
    return "context" in inspect.signature(fn).parameters


def run_stages(
    articles: Sequence[Article],
    store: Store | None = None,
    *,
    stages: Sequence[Stage] = STAGES,
    progress: Callable[[str, str], None] | None = None,
) -> AnalysisRun:
    """Bring the analysis of ``articles`` up to date, store-wide.

    1. *Link*: each linking stage adds the articles new to it to its store-wide
       structure (reuse index, events) and says which articles they tie to.
    2. *Scopes*: the articles, those they are tied to, and every article of the
       scopes those were in before, split into connected parts (:mod:`newstrace.scopes`).
    3. *Prepare*: the per-article products of all those articles, computed once
       per article (in one batch) and kept.
    4. Every stage computes each scope's answer; the scopes replace the ones they
       grew from, in one transaction.

    Without ``store``, ``articles`` are the whole corpus and nothing is kept. With
    one, the run holds the store's analysis lock: a second analysis waits for it.
    """
    if store is None:
        return _run_stages(articles, None, stages, progress)
    with store.analysis_lock():
        return _run_stages(articles, store, stages, progress)


def _run_stages(articles: Sequence[Article], store: Store | None, stages: Sequence[Stage],
                progress: Callable[[str, str], None] | None) -> AnalysisRun:
    status: dict[str, str] = {}
    loaded = [_load(stage) for stage in stages]
    states: dict[str, Any] = {}
    products: ProductCache = store.products if store else MemoryProducts()
    new = list({a.id: a for a in articles}.values())

    def state_of(name: str) -> Any:
        if name not in states:
            states[name] = store.load_state(name) if store else None
        return states[name]

    def keep_state(name: str, state: Any) -> None:
        if state is not None:
            states[name] = state
            if store:
                store.save_state(name, state)

    def keys_of(name: str) -> KeyIndex | None:
        return store.key_index(name) if store else None

    def rows_of(name: str) -> RowStore | None:
        return store.stage_rows(name) if store else None

    load_articles = store.get_many if store else None

    # 1. link
    links: list[tuple[str, str]] = []
    replaced: set[str] = set()  # ids of stored items a link re-made (a story placed again)
    found: dict[str, list[dict[str, Any]]] = {}
    for stage in loaded:
        if stage.failure or stage.link is None:
            continue
        if progress:
            progress(stage.stage.name, "start")
        try:
            extra = ({"context": StageContext(products=products, keys=keys_of(stage.stage.name),
                                              articles=load_articles,
                                              rows=rows_of(stage.stage.name))}
                     if stage.link_takes_context else {})
            result = stage.link(new, state=state_of(stage.stage.name), **extra)
        except Exception as exc:
            log.exception("stage %s failed", stage.stage.name)
            stage.failure = f"failed: {describe_failure(exc)}"
            continue
        keep_state(stage.stage.name, result.state)
        links.extend(result.records.get("links", []))
        replaced.update(result.records.get("replaced", []))
        for key, items in result.report.items():
            found.setdefault(key, []).extend(items)

    # 2. scopes
    related = list(dict.fromkeys([a.id for a in new] + [i for pair in links for i in pair]))
    old_scopes = sorted(set(store.scopes_of(related).values())) if store else []
    legacy = store.scope_results([""]) if store else {}
    if any(legacy.values()):
        # results of a store analysed before scopes (one run's answer, in the empty
        # scope): the first analysis takes in their articles and replaces them
        related = list(dict.fromkeys(related + [i for items in legacy.values()
                                                for item in items
                                                for i in item_article_ids(item)]))
        old_scopes = sorted({*old_scopes, *store.scopes_of(related).values(), ""})
    previous = store.scope_results(old_scopes) if store else {}
    member_ids = list(dict.fromkeys(related + (store.scope_members(old_scopes)
                                               if store else [])))
    by_id = {a.id: a for a in new}
    if store:
        stored = store.in_ingest_order(member_ids)
        # articles given but not stored (a caller's own) come after, in their order
        in_store = set(stored)
        member_ids = stored + [i for i in member_ids if i not in in_store]
        by_id.update({a.id: a for a in store.get_many([i for i in member_ids
                                                       if i not in by_id])})
    members = [by_id[i] for i in member_ids if i in by_id]
    for kind in ("reuse", "stories"):
        for item in previous.get(kind, []):
            if item.get("id") in replaced:
                continue  # its members are the link's now
            ids = item_article_ids(item)
            links.extend((ids[0], other) for other in ids[1:])
    for item in found.get("reuse", []):
        links.append((item["original"], item["copy"]))
    parts = components([a.id for a in members], links)

    # 3. prepare
    for stage in loaded:
        if stage.failure or stage.prepare is None:
            continue
        try:
            stage.prepare(members, products)
        except Exception as exc:
            log.exception("stage %s failed", stage.stage.name)
            stage.failure = f"failed: {describe_failure(exc)}"

    # 4. every scope, given the items known of it: those whose articles are all its own
    part_of = {article_id: n for n, part in enumerate(parts) for article_id in part}
    known: list[dict[str, list[dict[str, Any]]]] = [{} for _ in parts]
    for kind in dict.fromkeys([*found, *previous]):
        for item in found.get(kind, []) + previous.get(kind, []):
            owners = {part_of.get(i) for i in item_article_ids(item)}
            if not owners:  # an item about no article: every scope's
                for held in known:
                    held.setdefault(kind, []).append(item)
            elif len(owners) == 1 and None not in owners:
                known[owners.pop()].setdefault(kind, []).append(item)
    scoped: list[tuple[str, list[str], dict[str, list[dict[str, Any]]]]] = []
    for part, held in zip(parts, known, strict=True):
        # analysed in canonical order: the answer does not depend on the order of arrival
        scope_articles = in_canonical_order(by_id[i] for i in part)
        results: dict[str, StageResult] = {}
        for stage in loaded:
            name = stage.stage.name
            if stage.failure:
                status[name] = stage.failure
                continue
            missing = [r for r in stage.stage.requires if r not in results]
            if missing:
                status.setdefault(name, f"skipped: needs {', '.join(missing)}")
                continue
            if progress and stage.link is None:
                progress(name, "start")
            extra = ({"context": StageContext(held, products, keys_of(name), load_articles,
                                                 rows_of(name))}
                     if stage.takes_context else {})
            try:
                result = stage.analyze(scope_articles, state=state_of(name), upstream=results,
                                       **extra)
            except Exception as exc:
                log.exception("stage %s failed", name)
                stage.failure = status[name] = f"failed: {describe_failure(exc)}"
                continue
            keep_state(name, result.state)
            results[name] = result
            status.setdefault(name, "done")
        scoped.append((scope_key(part), part, _merged(results)))
    for stage in loaded:
        if stage.failure:
            status[stage.stage.name] = stage.failure
        else:
            status.setdefault(stage.stage.name, "done")
            if progress:
                progress(stage.stage.name, "done")
    if store:
        store.replace_scopes(old_scopes, scoped)
        store.save_state(STATUS_STATE, {"status": status})
    items: dict[str, list[dict[str, Any]]] = {}
    for _, _, scope_items in scoped:
        for key, values in scope_items.items():
            items.setdefault(key, []).extend(values)
    return AnalysisRun(members, {k: merge_items(k, v) for k, v in items.items()}, status,
                       [key for key, _, _ in scoped])


def _merged(results: Mapping[str, StageResult]) -> dict[str, list[dict[str, Any]]]:
    """A scope's items by report key; a later stage's item replaces one of the same id
    (provenance's claims, with origins, replace the claims stage's)."""
    merged: dict[str, dict[str, dict[str, Any]]] = {}
    for result in results.values():
        for key, items in result.report.items():
            bucket = merged.setdefault(key, {})
            for index, item in enumerate(items):
                bucket[str(item.get("id") or f"{key}-{len(bucket)}-{index}")] = item
    return {key: list(bucket.values()) for key, bucket in merged.items()}


def analyze_pending(store: Store, *, progress: Callable[[str, str], None] | None = None
                    ) -> AnalysisRun:
    """Bring the store's analysis up to date with every article stored and not yet
    analysed (ingested without analysis, or by an older version)."""
    return run_stages(store.get_many(store.unanalysed()), store, progress=progress)


def analyze(
    article_ids: Sequence[str],
    store: Store,
    *,
    errors: Sequence[InputError] = (),
    progress: Callable[[str, str], None] | None = None,
) -> dict[str, Any]:
    """Bring the store's analysis up to date with the stored articles ``article_ids``;
    return the report of the scopes they belong to, with all their stored articles."""
    from newstrace.report import build_report

    run = run_stages(store.get_many(article_ids), store, progress=progress)
    return build_report(run.articles, run.report_items(), status=run.status, errors=errors)
