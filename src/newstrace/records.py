"""Typed records that flow between the stages.

Every stage takes and returns these plain dataclasses; nothing here knows about
the store, the CLI or the web. ``to_dict``/``from_dict`` give the JSON shape used
in ``report.json`` and in the store.

>>> doc = RawDocument(source="a.txt", content=b"Hello", media_type="text")
>>> doc.media_type
'text'
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

#: Formats a reader can hand to the cleaner.
MediaType = Literal["text", "html"]

#: Where a publication date came from, best evidence first.
DateSource = Literal["metadata", "dateline", "feed", "url", "text", "inferred",
                     "http-last-modified"]


@dataclass(slots=True)
class RawDocument:
    """One article as a reader found it, before cleaning.

    ``content`` is the article body (bytes when the encoding is not known yet);
    ``hints`` carries metadata the container already gave (a feed item's title,
    a JSON record's ``published``, a WARC record's URL and fetch date), so the
    cleaner can prefer it to guessing. Keys used: ``title``, ``published``,
    ``authors``, ``outlet``, ``language``, ``fetched``.
    """

    source: str
    content: bytes | str
    media_type: MediaType
    url: str | None = None
    hints: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class InputError:
    """A part of the input that could not be read; the batch goes on without it."""

    source: str
    reason: str
    stage: str = "ingest"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(slots=True)
class Boilerplate:
    """A piece of page furniture removed from an article, and why."""

    text: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "reason": self.reason}


@dataclass(slots=True)
class Article:
    """A cleaned article: main text plus what is known about it.

    ``published`` is an ISO-8601 date (``YYYY-MM-DD``) or date-time, or None when
    the input does not state one; ``published_from`` says where it came from.
    """

    id: str
    source: str
    text: str
    url: str | None = None
    outlet: str | None = None
    outlet_from: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    published_from: str | None = None
    language: str | None = None
    boilerplate: list[Boilerplate] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["boilerplate"] = [b.to_dict() for b in self.boilerplate]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["boilerplate"] = [Boilerplate(**b) for b in data.get("boilerplate") or []]
        values["authors"] = list(data.get("authors") or [])
        return cls(**values)


def normalize_for_id(text: str) -> str:
    """Fold case, Unicode forms and white space so trivial re-encodings hash alike."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", text).strip()


def article_id(text: str, url: str | None = None) -> str:
    """A stable, content-derived id: the same text (at the same URL) gets the same id.

    >>> article_id("Hello  world") == article_id("hello world")
    True
    >>> len(article_id("x"))
    16
    """
    key = (url or "") + "\n" + normalize_for_id(text)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
