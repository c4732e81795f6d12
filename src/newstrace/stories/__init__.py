"""Stories and events: online clustering of coverage, with dates, titles, summaries, timelines.

    >>> from newstrace.stories import analyze
    >>> result = analyze(articles, state=None, upstream={})  # doctest: +SKIP
    >>> [e["date"] for e in result.report["stories"][0]["events"]]  # doctest: +SKIP
    ['2023-02-24']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from newstrace.nlp.temporal import trusted_date_of
from newstrace.records import Article
from newstrace.stages import ProductCache, StageContext, StageResult
from newstrace.stories.clusterer import StoryClusterer
from newstrace.stories.features import (
    Features,
    extract,
    features_from_product,
    features_to_product,
    terms,
)
from newstrace.stories.summarize import summary_for, title_for

__all__ = ["StoryClusterer", "analyze", "link"]


#: the per-article product this stage keeps: an article's features (see :func:`_features`)
FEATURES_PRODUCT = "stories.features/1"

# the clusterer last decoded or built, with the state it stands for: the scopes of one
# run read the same state, which is decoded once (a state is never changed in place)
_last: tuple[dict[str, Any], StoryClusterer] | None = None


def _clusterer(state: dict[str, Any] | None, context: StageContext | None) -> StoryClusterer:
    global _last
    if state is not None and _last is not None and _last[0] is state:
        return _last[1]
    clusterer = StoryClusterer.from_state(state, context.rows if context else None)
    if state is not None:
        _last = (state, clusterer)
    return clusterer


def _new_state(clusterer: StoryClusterer) -> dict[str, Any]:
    global _last
    clusterer.flush()
    state = clusterer.to_state()
    _last = (state, clusterer)
    return state


def _added(clusterer: StoryClusterer, articles: Sequence[Article]) -> list[Article]:
    """Place the articles not placed yet; return them."""
    clusterer.prefetch_articles([a.id for a in articles])
    added = [a for a in articles if a.id not in clusterer.event_of]
    for article in added:
        clusterer.add(article)
    return added


def link(articles: Sequence[Article], *, state: dict[str, Any] | None,
         context: StageContext | None = None) -> StageResult:
    """Add ``articles`` to the store-wide events and stories, whatever order they and
    the stored ones came in (:meth:`StoryClusterer.place_all`: a story a late article
    joins ahead of stored ones is placed again, with their kept features).

    ``records["links"]`` ties each article to the other members of its story,
    whenever they came. With a store (``context.rows``) the events and stories are
    its rows; ``state`` only counts documents.
    """
    clusterer = _clusterer(state, context)
    clusterer.prefetch_articles([a.id for a in articles])
    added = [a for a in dict((a.id, a) for a in articles).values()
             if a.id not in clusterer.event_of]
    products = context.products if context else None
    _features(clusterer, added, products)
    replayed = clusterer.place_all([clusterer.features[a.id] for a in added],
                                   known=_known(clusterer, context))
    links: list[tuple[str, str]] = []
    placed = [a.id for a in articles] + sorted(replayed.articles)
    stories = {clusterer.story_of(a) for a in placed} - {""}
    for story_id in sorted(stories):
        members = clusterer.story_members(story_id)
        links.extend((members[0], other) for other in members[1:])
    # the stored stories placed again are re-made: their stored items are no longer so
    return StageResult(state=_new_state(clusterer) if added else None,
                       records={"links": links,
                                "replaced": sorted(stories | set(replayed.stories))})


def analyze(articles: Sequence[Article], *, state: dict[str, Any] | None,
            upstream: Mapping[str, StageResult], context: StageContext | None = None
            ) -> StageResult:
    """The events and stories of ``articles``, each with those of its members among them
    (all of them in a scope); articles not yet placed are added first."""
    clusterer = _clusterer(state, context)
    added = _added(clusterer, articles)
    _features(clusterer, articles, context.products if context else None)
    # the summaries weigh the members' words: their counts read at once
    clusterer.words.df.prefetch(t for a in articles  # type: ignore[attr-defined]
                                for t in terms(f"{a.title or ''} {a.text}"))
    # titles and summaries come from originals: a known copy (a content farm's rewrite,
    # its invented quotation, its drifted wording) speaks for no one
    reuse = upstream.get("reuse")
    copies = {edge.copy for edge in reuse.records.get("edges", [])} if reuse else set()
    by_id = {a.id: a for a in articles}
    # the scope's own (every article of the run is in the clusterer's features)
    vectors = {a.id: clusterer.features[a.id].vector for a in articles}
    stories = []
    # in the order their first article came
    story_ids = dict.fromkeys(clusterer.story_of(a.id) for a in articles)
    clusterer.stories.prefetch(s for s in story_ids if s)
    for story in (clusterer.stories[s] for s in story_ids if s):
        clusterer.events.prefetch(story.members)
        events = []
        for event_id in story.members:
            event = clusterer.events[event_id]
            members = [by_id[a] for a in event.members if a in by_id]
            if not members:
                continue
            events.append(_event_item(event.id, event.date, members, clusterer, vectors,
                                      copies))
        if not events:
            continue
        members = [by_id[a] for e in events for a in e["article_ids"]]
        events.sort(key=lambda e: (e["date"] or "9999", e["id"]))
        speakers = _originals(members, copies)
        stories.append({
            "id": story.id,
            "title": title_for(speakers, vectors) if all(a.id in vectors for a in speakers)
            else events[0]["title"],
            "summary": summary_for(speakers, clusterer.words),
            "article_ids": [a.id for a in members],
            "events": events,
        })
    return StageResult(report={"stories": stories},
                       state=_new_state(clusterer) if added else None,
                       records={"event_of": {a.id: clusterer.event_of[a.id] for a in articles}})


def _known(clusterer: StoryClusterer, context: StageContext | None
           ) -> Callable[[list[str]], dict[str, Features]] | None:
    """What :meth:`StoryClusterer.place_all` reads stored articles' features with: this
    process's, or the store's products (the article extracted again if it has none);
    None without a store."""
    if context is None or context.articles is None:
        return None
    load_articles = context.articles

    def known(ids: list[str]) -> dict[str, Features]:
        missing = [i for i in ids if i not in clusterer.features]
        if missing:
            _features(clusterer, load_articles(missing), context.products)
        return {i: clusterer.features[i] for i in ids if i in clusterer.features}
    return known


def _features(clusterer: StoryClusterer, articles: Sequence[Article],
              products: ProductCache | None) -> None:
    """Make sure the clusterer holds the features of ``articles`` (titles and summaries
    are chosen with them): kept from this process, read from the store's products, or
    extracted again (and kept)."""
    missing = [a for a in articles if a.id not in clusterer.features]
    if not missing:
        return
    stored = products.load(FEATURES_PRODUCT, [a.id for a in missing]) if products else {}
    made: dict[str, Any] = {}
    for article in missing:
        if article.id in stored:
            clusterer.features[article.id] = features_from_product(stored[article.id])
        else:
            clusterer.features[article.id] = extract(article)
            made[article.id] = features_to_product(clusterer.features[article.id])
    if products and made:
        products.save(FEATURES_PRODUCT, made)


def _timeline_entry(article: Article, features: dict[str, Any]) -> dict[str, Any]:
    """An article on its event's timeline, at its trusted date: a date its content
    contradicts (a republished story) is shown as stated, not used."""
    trusted, trusted_from = trusted_date_of(article)
    date = trusted or (features[article.id].date if article.id in features else None)
    entry = {"article_id": article.id, "date": date, "outlet": article.outlet,
             "title": article.title}
    if trusted_from == "content":
        entry["stated_date"] = article.published
    return entry


def _originals(members: list[Article], copies: set[str]) -> list[Article]:
    """The members that are no known copy of another (all of them if every one is)."""
    return [a for a in members if a.id not in copies] or members


def _event_item(event_id: str, date: str | None, members: list[Article],
                clusterer: StoryClusterer, vectors: dict[str, Any],
                copies: set[str]) -> dict[str, Any]:
    features = clusterer.features
    speakers = _originals(members, copies)
    timeline = sorted((_timeline_entry(a, features) for a in members),
                      key=lambda t: (t["date"] or "9999", t["article_id"]))
    dated_from = {features[a.id].date_from for a in members if a.id in features}
    return {
        "id": event_id,
        "title": title_for(speakers, vectors) if all(a.id in vectors for a in speakers)
        else (speakers[0].title or event_id),
        "summary": summary_for(speakers, clusterer.words),
        "date": date,
        "date_from": "content" if "content" in dated_from else
        ("published" if "published" in dated_from else None),
        "article_ids": [a.id for a in members],
        "timeline": timeline,
    }
