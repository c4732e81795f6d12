"""Bylines: author names (and sometimes the outlet) from a byline line.

Recognised forms (one line, near the top of the article):

* ``From CNN’s Natasha Bertrand and Zachary Cohen`` -> outlet CNN + two authors
* ``By Jane Doe and John Roe, Reuters`` / ``By Jane Doe | AP`` -> authors (+ outlet)
* ``Written by Jane Doe`` / ``Words: Jane Doe``

Credit lines at the end ("Mary Ilyushina contributed to this report.") are *not*
bylines: contributors did not write the piece, so they are not put in
``authors`` (the line stays in the text, where a reader expects it).

>>> parse_byline("From CNN’s Natasha Bertrand and Zachary Cohen")
('CNN', ['Natasha Bertrand', 'Zachary Cohen'])
>>> parse_byline("By Jane Doe, John Roe and Ann Poe, Reuters")
('Reuters', ['Jane Doe', 'John Roe', 'Ann Poe'])
>>> parse_byline("By the way, this is a sentence.") is None
True
>>> split_names("Jane Doe; John Roe")
['Jane Doe', 'John Roe']
"""

from __future__ import annotations

import re

__all__ = ["is_person_name", "parse_byline", "split_names"]

_FROM_RE = re.compile(
    r"^from\s+(?P<outlet>(?:the\s+)?[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*){0,3})[’']s?\s+"
    r"(?P<names>.+)$",
    re.I,
)
_BY_RE = re.compile(r"^(?:by|written\s+by|words:|reporting\s+by|author:)\s+(?P<names>.+)$", re.I)
_NAME_TOKEN = (r"(?:[A-Z][a-zà-ÿ'’-]+|[A-Z]\.|[A-Z][a-z]?[A-Z][a-z]+"
               r"|de|van|von|der|da|di|al|el|bin|le|la)")
_PERSON_RE = re.compile(r"^[A-Z][\w'’.-]*(?:\s+" + _NAME_TOKEN + r"){1,4}$")
_TITLES = re.compile(r"^(?:dr|prof|mr|mrs|ms|sir)\.?\s+", re.I)


def is_person_name(text: str) -> bool:
    """Two to five capitalised tokens: the shape of a personal name.

    >>> is_person_name("Natasha Bertrand"), is_person_name("the sources said")
    (True, False)
    """
    return bool(_PERSON_RE.match(_TITLES.sub("", text.strip())))


def split_names(text: str) -> list[str]:
    """Split "A, B and C" / "A; B" / "A & B" into names; keep only name-shaped parts."""
    parts = re.split(r"\s*(?:;|,|\band\b|&|\|)\s*", text.strip())
    return [p.strip() for p in parts if p.strip() and is_person_name(p.strip())]


def parse_byline(line: str) -> tuple[str | None, list[str]] | None:
    """(outlet or None, authors) if ``line`` is a byline, else None.

    A byline must be short and every comma/and-separated part must be a name,
    except a trailing outlet ("…, Reuters") which is returned separately.
    """
    line = line.strip().rstrip(".")
    if len(line) > 160:
        return None
    m = _FROM_RE.match(line)
    if m:
        names = split_names(m.group("names"))
        return (m.group("outlet"), names) if names else None
    m = _BY_RE.match(line)
    if not m:
        return None
    raw = m.group("names")
    outlet = None
    tail = re.split(r"\s*[|,/]\s*|\s+[-–—]\s+", raw)
    if (len(tail) > 1 and not is_person_name(tail[-1])
            and re.match(r"^[A-Z][\w&. ]{1,40}$", tail[-1])):
        outlet = tail[-1].strip()
        raw = raw[: raw.rfind(tail[-1])].rstrip(" ,|/-–—")
    parts = [p for p in re.split(r"\s*(?:;|,|\band\b|&|\|)\s*", raw) if p.strip()]
    names = [p.strip() for p in parts if is_person_name(p.strip())]
    if not names or len(names) != len(parts):
        return None
    return outlet, names
