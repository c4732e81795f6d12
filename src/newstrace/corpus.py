"""The library's front door: a corpus in a store, brought up to date article by article.

    >>> corpus = Corpus.open(":memory:")
    >>> corpus.add(["../shared/data/seeds"]).added           # doctest: +SKIP
    4
    >>> [s["title"] for s in corpus.stories()]               # doctest: +SKIP
    ['China weighs sending drones to Russia', ...]
    >>> corpus.report(story="story-75ec6c71103e052b")         # doctest: +SKIP

Every ``add`` analyses the new articles store-wide (:func:`newstrace.pipeline.run_stages`):
the answer after adding articles in one call, in several, or one by one is the same.
The CLI, the HTTP API and the web UI are thin edges over this class (a long-running
server reads through :class:`newstrace.corpus_view.CorpusView`, a cached view of it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from newstrace.records import Article, InputError
from newstrace.registry import REPORT_KEYS
from newstrace.scopes import item_article_ids, merge_items
from newstrace.store import Store
from newstrace.store.search import Page, outlets, search_articles

#: report keys of analysis results, in report order
RESULT_KINDS = REPORT_KEYS


class SelectionError(ValueError):
    """A report selection names nothing in the store (an unknown story id)."""


@dataclass(frozen=True)
class Selection:
    """Which part of the corpus a report covers: a story, a date range, an outlet,
    words; all of it when nothing is set."""

    story: str | None = None
    since: str | None = None
    until: str | None = None
    outlet: str | None = None
    query: str | None = None

    @property
    def filters(self) -> dict[str, str | None]:
        return {"since": self.since, "until": self.until, "outlet": self.outlet,
                "query": self.query}

    @property
    def everything(self) -> bool:
        return self.story is None and not any(self.filters.values())


class Corpus:
    """Articles and their store-wide analysis in one store (SQLite file or PostgreSQL)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def open(cls, target: str | None = None, **settings: Any) -> Corpus:
        """Open (or create) the corpus at a path or database URL (``None``: newstrace.db).

        ``settings`` (``processes=1``, ``entities="crf"``, ``blas_threads=1``) set how
        this process computes, as :func:`newstrace.settings.configure` does.
        """
        if settings:
            from newstrace import settings as process_settings

            process_settings.configure(**settings)
        return cls(Store.open(target))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- adding ---------------------------------------------------------------------------------
    def add(self, inputs: Iterable[str], *, analyze: bool = True, **ingest_options: Any
            ) -> AddResult:
        """Ingest files, folders or URLs and bring the analysis up to date with them."""
        from newstrace.pipeline import ingest, run_stages

        summary = ingest(list(inputs), self.store, **ingest_options)
        status: dict[str, str] = {}
        if analyze and summary.article_ids:
            status = run_stages(self.store.get_many(summary.article_ids), self.store).status
        return AddResult(summary.article_ids, summary.added, summary.errors, status,
                         existing=summary.existing)

    def analyze(self, *, progress: Callable[[str, str], None] | None = None
                ) -> AnalyzeResult:
        """Analyse the stored articles no analysis has placed yet (ingested with
        ``analyze=False``, or by an older version), and the scopes they join.

        ``progress(stage, phase)`` is told as each stage moves on, for a caller that shows
        it (the server's analyse job).
        """
        from newstrace.pipeline import analyze_pending

        run = analyze_pending(self.store, progress=progress)
        return AnalyzeResult([a.id for a in run.articles], run.status)

    # -- reading ----------------------------------------------------------------------------------
    def stories(self, *, since: str | None = None, until: str | None = None
                ) -> list[dict[str, Any]]:
        """Stories whose events fall in the date range (all of them by default)."""
        out = []
        for story in self.store.items("stories"):
            dates = [e.get("date") for e in story.get("events") or [] if e.get("date")]
            if since and not any(d >= since for d in dates):
                continue
            if until and not any(d[:10] <= until for d in dates):
                continue
            out.append(story)
        return out

    def count(self) -> int:
        """How many articles the corpus holds."""
        return self.store.count()

    def article(self, article_id: str) -> Article | None:
        """One stored article by its full id."""
        return self.store.get(article_id)

    def search(self, query: str | None = None, *, outlet: str | None = None,
               since: str | None = None, until: str | None = None,
               ids: Sequence[str] | None = None, limit: int | None = 50, offset: int = 0
               ) -> Page:
        """One page of the articles matching words (full-text) and filters, in ingest
        order, with how many match in all: what a listing with a pager needs."""
        return search_articles(self.store, query=query, outlet=outlet, since=since,
                               until=until, ids=ids, limit=limit, offset=offset)

    def outlets(self) -> list[str]:
        """The outlets of the stored articles, sorted: the choices of an outlet filter."""
        return outlets(self.store)

    def claim(self, claim_id: str) -> dict[str, Any] | None:
        """One claim, with its origins, first reporter and independent sources."""
        return self.store.item("claims", claim_id)

    def report(self, selection: Selection | None = None, **selected: str | None
               ) -> dict[str, Any]:
        """The report (``report.json`` as a dict) of the whole corpus or a selection:
        ``corpus.report(story="story-…")``, ``corpus.report(since="2023-02-01")``."""
        return report_from_store(self.store, selection or Selection(**selected))


@dataclass
class AddResult:
    """What ``Corpus.add`` did."""

    article_ids: list[str]
    added: int
    errors: list[InputError]
    analyses: dict[str, str]
    #: articles read that the store held already
    existing: int = 0

    def to_dict(self) -> dict[str, Any]:
        """As JSON data (the server's ingest job shows it as its result)."""
        return {"articles": len(self.article_ids), "added": self.added,
                "existing": self.existing, "errors": [e.to_dict() for e in self.errors],
                "article_ids": self.article_ids}


@dataclass
class AnalyzeResult:
    """What ``Corpus.analyze`` did: the articles it analysed, how each stage went."""

    article_ids: list[str]
    analyses: dict[str, str]


#: result kinds that are about a whole story (a story, its provenance graph)
_STORY_KINDS = ("stories", "graphs")


def report_from_store(store: Store, selection: Selection,
                      status: dict[str, str] | None = None,
                      errors: Sequence[InputError] = ()) -> dict[str, Any]:
    """The report of a selection of the stored corpus, from the stored results.

    It holds the selected articles, every result about one of them, and the
    articles those results name (a copy's original, a claim's other reporters), so
    that every reference in it resolves.
    """
    from newstrace.report import build_report

    if selection.everything:
        articles = list(store.iter_articles())
        items = {kind: store.items(kind) for kind in RESULT_KINDS}
        return build_report(articles, items, status=status or _status(store), errors=errors)
    chosen: list[str] | None = None
    if selection.story is not None:
        story = store.item("stories", selection.story)
        if story is None:
            raise SelectionError(f"no story {selection.story!r} in the store")
        chosen = list(story.get("article_ids") or [])
    if any(selection.filters.values()):
        matching = [a.id for a in store.list_articles(**selection.filters)]
        if chosen is None:
            chosen = matching
        else:
            passing = set(matching)
            chosen = [a for a in chosen if a in passing]
    wanted = set(chosen or [])
    scoped = store.scope_results(set(store.scopes_of(wanted).values()))
    items: dict[str, list[dict[str, Any]]] = {}
    named = set(wanted)
    for kind in RESULT_KINDS:
        kept = []
        for item in merge_items(kind, scoped.get(kind, [])):
            story_id = item.get("id") if kind == "stories" else item.get("story_id")
            if kind in _STORY_KINDS and selection.story is not None \
                    and story_id != selection.story:
                continue
            ids = item_article_ids(item)
            if wanted & set(ids):
                kept.append(item)
                if kind not in _STORY_KINDS:  # a story's other articles are not named
                    named.update(ids)
        items[kind] = kept
    articles: list[Article] = store.get_many(store.in_ingest_order(named))
    return build_report(articles, items, status=status or _status(store), errors=errors)


def _status(store: Store) -> dict[str, str]:
    """How each stage went the last time the store was analysed."""
    from newstrace.pipeline import STATUS_STATE

    return dict((store.load_state(STATUS_STATE) or {}).get("status") or {})
