"""JSON and JSONL article records: one object, an array of objects, or one object a line.

    >>> docs = list(parse_json("a.jsonl", b'{"title": "T", "text": "Body"}\\n'))
    >>> docs[0].hints["title"], docs[0].content
    ('T', 'Body')

Field names vary by exporter; the first present of each alias list is used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from newstrace.records import InputError, RawDocument

TEXT_FIELDS = ("text", "content", "body", "article", "maintext", "full_text", "story")
HTML_FIELDS = ("html", "raw_html", "content_html", "body_html")
HINTS = {
    "title": ("title", "headline"),
    "url": ("url", "link", "canonical_url", "source_url"),
    "published": ("published", "date", "pubDate", "publish_date", "published_at",
                  "date_publish", "datePublished", "publication_date"),
    "authors": ("authors", "author", "byline", "creator"),
    "outlet": ("outlet", "source", "site_name", "publisher", "media_name", "domain"),
    "language": ("language", "lang"),
}
CONTAINERS = ("articles", "items", "data", "results", "documents", "docs")
#: a list of records opens with a bracket, then a record, a list, a string or its end;
#: "[NFL] Which team won..." does not
_RECORDS_START = re.compile(r"\s*\[\s*(?:[\[{\]\"]|$)")


class NotJSON(ValueError):
    """Data that starts like JSON (``[NFL] Which team...``) but is plain text."""


class _TooDeep(ValueError):
    pass


def _int(digits: str) -> int | str:
    """An integer; one too long for Python's conversion limit is kept as its digits."""
    try:
        return int(digits)
    except ValueError:
        return digits


def loads(text: str) -> Any:
    """``json.loads`` with guards: huge integers stay text, deep nesting is a ValueError."""
    try:
        return json.loads(text, parse_int=_int)
    except RecursionError:
        raise _TooDeep("JSON nested too deeply to read (lists or objects inside one "
                       "another, past the parser's depth limit)") from None


def _malformed(exc: ValueError, line: int | None = None) -> str:
    if isinstance(exc, _TooDeep):
        return str(exc)
    if isinstance(exc, json.JSONDecodeError):
        where = f"line {line or exc.lineno}" + ("" if line else f", column {exc.colno}")
        return f"malformed JSON at {where}: {exc.msg}" + (f" (column {exc.colno})" if line
                                                           else "")
    return f"unreadable JSON: {exc}"[:200]


def _first(record: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, "", []):
            return value
    return None


def _outlet(value: Any) -> str | None:
    if isinstance(value, dict):  # {"name": "CNN", ...}
        value = value.get("name") or value.get("title")
    return value if isinstance(value, str) else None


def _authors(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [a.get("name", "") if isinstance(a, dict) else str(a) for a in value if a]
    return []


#: bad records of one file reported one by one; past that, counted in one more error
MAX_RECORD_ERRORS = 5


def _capped(source: str, items: Iterator[RawDocument | InputError]
            ) -> Iterator[RawDocument | InputError]:
    """``items`` with at most :data:`MAX_RECORD_ERRORS` errors, then their count: a list
    of 10,000 numbers is one file's problem, not 10,000 lines of a report."""
    errors = 0
    for item in items:
        if isinstance(item, InputError):
            errors += 1
            if errors > MAX_RECORD_ERRORS:
                continue
        yield item
    if errors > MAX_RECORD_ERRORS:
        yield InputError(source, f"{errors - MAX_RECORD_ERRORS:,} more bad JSON record(s) "
                                 f"skipped (not objects, malformed or without text)")


def _a(value: Any) -> str:
    """"a list", "an int": what a JSON value is, in words."""
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def record_document(source: str, record: Any) -> RawDocument | InputError:
    """Turn one JSON record into a document, or say why it is not one."""
    if not isinstance(record, dict):
        return InputError(source, f"JSON record is {_a(record)}, not an object")
    text = _first(record, TEXT_FIELDS)
    html = _first(record, HTML_FIELDS)
    body, media = (text, "text") if isinstance(text, str) and text.strip() else (html, "html")
    if not isinstance(body, str) or not body.strip():
        wanted = "/".join(TEXT_FIELDS[:3] + HTML_FIELDS[:1])
        return InputError(source, f"JSON record has no article text (no {wanted} field)")
    hints: dict[str, Any] = {}
    for key, names in HINTS.items():
        value = _first(record, names)
        if key == "authors":
            value = _authors(value) or None
        elif key == "outlet":
            value = _outlet(value)
        elif value is not None and not isinstance(value, str):
            value = str(value)
        if value:
            hints[key] = value
    url = hints.pop("url", None)
    return RawDocument(source=source, content=body, media_type=media, url=url, hints=hints)


def parse_json(source: str, data: bytes | str) -> Iterator[RawDocument | InputError]:
    """Documents from JSON or JSONL ``data``; a malformed line is reported, the rest go on.

    Raises :class:`NotJSON` (before yielding anything) for text that merely starts
    with a bracket and is not JSON at all, so that the caller can read it as text.
    """
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data
    try:
        whole = loads(text)
    except ValueError as exc:
        first_line = text.lstrip().split("\n", 1)[0]
        try:
            loads(first_line)
        except ValueError:  # one JSON document, malformed
            if (isinstance(exc, json.JSONDecodeError) and text.lstrip().startswith("[")
                    and not _RECORDS_START.match(text)):
                raise NotJSON(f"not JSON: {_malformed(exc)}") from None
            yield InputError(source, _malformed(exc))
            return
        yield from _capped(source, _parse_lines(source, text))  # JSONL: one record a line
        return
    if isinstance(whole, dict):
        inner = next((whole[k] for k in CONTAINERS if isinstance(whole.get(k), list)), None)
        if inner is not None and _first(whole, TEXT_FIELDS + HTML_FIELDS) is None:
            whole = inner
        else:
            yield record_document(source, whole)
            return
    if not isinstance(whole, list):
        yield InputError(source, f"JSON holds a {type(whole).__name__}, not article records")
        return
    if not whole:
        yield InputError(source, "no articles in JSON: an empty list of records")
        return
    yield from _capped(source, (record_document(f"{source}#{index}", record)
                                for index, record in enumerate(whole)))


def _parse_lines(source: str, text: str) -> Iterator[RawDocument | InputError]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}#L{number}"
        try:
            record = loads(line)
        except ValueError as exc:
            yield InputError(where, _malformed(exc, number))
            continue
        yield record_document(where, record)
