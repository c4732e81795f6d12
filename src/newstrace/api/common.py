"""Query parameters and response helpers the API's routers share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import HTTPException, Query
from fastapi.responses import Response

from newstrace.api.models import DATE_RE
from newstrace.corpus_view import CorpusView


def public_article(article: dict[str, Any]) -> dict[str, Any]:
    """An article as the API shows it: a ``source`` that is a path on the server (a
    folder ingested there, an upload's temporary file) is cut to its file name, so the
    server's layout is not shown to clients; URLs stay whole.

    >>> public_article({"source": "/srv/uploads/tmp3x/cnn.html#record-2"})["source"]
    'cnn.html#record-2'
    >>> public_article({"source": "https://example.com/a"})["source"]
    'https://example.com/a'
    """
    source = article.get("source")
    if isinstance(source, str) and "://" not in source:
        return {**article, "source": Path(source).name}
    return article


class Filters:
    """The filters every listing takes (a dependency class: ``Depends()``)."""

    def __init__(
        self,
        since: Annotated[str | None, Query(pattern=DATE_RE,
                                           description="earliest date, YYYY-MM-DD")] = None,
        until: Annotated[str | None, Query(pattern=DATE_RE,
                                           description="latest date, YYYY-MM-DD")] = None,
        outlet: Annotated[str | None, Query(max_length=500)] = None,
        story: Annotated[str | None, Query(max_length=200, description="a story id")] = None,
    ) -> None:
        self.since = since or None  # compared as text with stored ISO dates
        self.until = until or None
        self.outlet = outlet or None
        self.story = story or None

    def kwargs(self) -> dict[str, Any]:
        return {"outlet": self.outlet, "since": self.since, "until": self.until,
                "story": self.story}

    def check_story(self, view: CorpusView) -> None:
        """404 for an unknown ``story`` (one index probe): a listing of a story that is
        not there is an error, not an empty page that looks like an answer. A listing
        asks after it found nothing (a stored story's listing needs no probe)."""
        if self.story and not view.has_story(self.story):
            raise HTTPException(404, f"no story {self.story!r}")

    def story_ids(self, view: CorpusView) -> set[str] | None:
        """The articles of the ``story`` filter (None without one); 404 for an unknown
        story, rather than an empty page that looks like an answer."""
        if not self.story:
            return None
        ids = view.story_article_ids(self.story)
        if ids is None:
            raise HTTPException(404, f"no story {self.story!r}")
        return ids


Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def raw_json(body: Any) -> Response:
    """``body`` as JSON, as is: what the routes return is plain JSON data already, and
    FastAPI's re-validation and re-encoding of every item cost more than the lookup."""
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    media_type="application/json")


def json_page(found: dict[str, Any]) -> Response:
    """A page (:class:`~newstrace.api.models.PageOut`) whose items are JSON text already
    (``CorpusView.page(as_text=True)``: as stored): the body is put together around them
    rather than decoding and encoding every item again.

    >>> json_page({"total": 1, "limit": 5, "offset": 0, "items": ['{"id": "c1"}']}).body
    b'{"total":1,"limit":5,"offset":0,"items":[{"id": "c1"}]}'
    """
    head = json.dumps({k: v for k, v in found.items() if k != "items"},
                      separators=(",", ":"))
    body = f'{head[:-1]},"items":[{",".join(found["items"])}]}}'
    return Response(body, media_type="application/json")


def json_text(text: str) -> Response:
    """One item that is JSON text already, as the response."""
    return Response(text, media_type="application/json")

