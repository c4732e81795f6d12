"""Stories and events: online clustering of coverage, with dates, titles, summaries, timelines.

    >>> from newstrace.stories import analyze
    >>> result = analyze(articles, state=None, upstream={})  # doctest: +SKIP
    >>> [e["date"] for e in result.report["stories"][0]["events"]]  # doctest: +SKIP
    ['2023-02-24']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from newstrace.nlp.temporal import trusted_date
from newstrace.records import Article
from newstrace.stages import StageResult
from newstrace.stories.clusterer import StoryClusterer
from newstrace.stories.summarize import summary_for, title_for

__all__ = ["StoryClusterer", "analyze"]


def analyze(articles: Sequence[Article], *, state: dict[str, Any] | None,
            upstream: Mapping[str, StageResult]) -> StageResult:
    """Add ``articles`` to the persisted events and stories; report those they are in."""
    clusterer = StoryClusterer.from_state(state)
    for article in articles:
        clusterer.add(article)
    # titles and summaries come from originals: a known copy (a content farm's rewrite,
    # its invented quotation, its drifted wording) speaks for no one
    reuse = upstream.get("reuse")
    copies = {edge.copy for edge in reuse.records.get("edges", [])} if reuse else set()
    by_id = {a.id: a for a in articles}
    vectors = {a: f.vector for a, f in clusterer.features.items()}
    stories = []
    for story in clusterer.stories.values():
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
    return StageResult(report={"stories": stories}, state=clusterer.to_state(),
                       records={"event_of": dict(clusterer.event_of)})


def _timeline_entry(article: Article, features: dict[str, Any]) -> dict[str, Any]:
    """An article on its event's timeline, at its trusted date: a date its content
    contradicts (a republished story) is shown as stated, not used."""
    trusted, trusted_from = trusted_date(article.text, article.published)
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
