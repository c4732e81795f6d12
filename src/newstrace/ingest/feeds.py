"""RSS and Atom feeds: each item's embedded article, or its linked page.

    >>> feed = b'''<rss version="2.0"><channel><title>Daily</title><item><title>Hi</title>
    ... <description>Short text of the item.</description></item></channel></rss>'''
    >>> [(d.hints["title"], d.hints["outlet"]) for d in parse_feed("f.xml", feed, fetch=None)]
    [('Hi', 'Daily')]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import feedparser

from newstrace.records import InputError, RawDocument

#: An item whose embedded text is shorter than this is a teaser: fetch the linked page.
TEASER_CHARS = 600

FetchFn = Callable[[str], Iterator[RawDocument | InputError]]


def _iso(parsed: time.struct_time | None) -> str | None:
    if not parsed:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", parsed)


def parse_feed(source: str, data: bytes, *, fetch: FetchFn | None
               ) -> Iterator[RawDocument | InputError]:
    """Documents from a feed; with ``fetch``, teaser-only items are replaced by their page."""
    feed = feedparser.parse(data)
    usable = [e for e in feed.entries if e.get("title") or e.get("link") or e.get("summary")
              or e.get("content")]
    if not usable:
        problem = getattr(feed, "bozo_exception", None)
        reason = f"malformed feed: {problem}" if feed.bozo else "feed has no items"
        yield InputError(source, reason)
        return
    outlet = feed.feed.get("title")
    for index, entry in enumerate(usable):
        where = f"{source}#item-{index}"
        hints: dict[str, Any] = {"title": entry.get("title"), "outlet": outlet,
                                 "language": feed.feed.get("language")}
        published = _iso(entry.get("published_parsed") or entry.get("updated_parsed"))
        if published:
            hints["published"] = published
        authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
        if authors:
            hints["authors"] = authors
        hints = {k: v for k, v in hints.items() if v}
        link = entry.get("link")
        contents = [c.get("value", "") for c in entry.get("content", [])]
        body = max(contents, key=len, default="") or entry.get("summary", "")
        if link and fetch and len(body) < TEASER_CHARS:
            fetched = list(fetch(link))
            docs = [d for d in fetched if isinstance(d, RawDocument)]
            failures = [d.reason for d in fetched if isinstance(d, InputError)]
            if docs:  # the page was read: what else that response held is not the item's
                for doc in docs:
                    doc.hints = {**hints, **doc.hints}
                    yield doc
                continue
            if body.strip():  # the item's own text is stored; the failure is only a note
                hints["fetch_note"] = f"linked page not used: {'; '.join(failures)}"
            else:
                reason = "; ".join(failures) or "no articles in the linked page"
                yield InputError(where, f"feed item has no text and its link failed: {reason}")
                continue
        if not body.strip():
            yield InputError(where, "feed item has no text and no fetchable link")
            continue
        media = "html" if "<" in body and ">" in body else "text"
        yield RawDocument(source=where, content=body, media_type=media, url=link, hints=hints)
