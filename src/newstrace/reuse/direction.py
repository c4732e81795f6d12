"""Which of two reusing articles is the original, with the evidence for the call.

Evidence, strongest first: stated publication dates; a syndication footer
("The post ... appeared first on X") or a credit line ("(CNN) —") in one of them
naming the other's outlet; one citing the other's outlet ("told CNN"); an
excerpt is shorter than its source. Without any, the direction is not known: the
pair is taken in its canonical order (the dated one first, then by id), with low
confidence, so that the answer is the same whichever of the two arrived first.

>>> from newstrace.records import Article
>>> a, b = Article("a1", "x", "Same words."), Article("b2", "y", "Same words.")
>>> decide(a, b, kind="near-duplicate", a_sentences=1, b_sentences=1).original.id
'a1'
>>> decide(b, a, kind="near-duplicate", a_sentences=1, b_sentences=1).original.id
'a1'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newstrace.records import Article

_CREDIT = re.compile(r"^\s*\(([^)]{2,40})\)\s*[—–-]", re.M)


@dataclass(slots=True)
class Direction:
    original: Article
    copy: Article
    evidence: list[str]
    confidence: float


def _date(article: Article) -> str | None:
    return article.published[:10] if article.published else None


def _footer(article: Article) -> str | None:
    for piece in article.boilerplate:
        if piece.reason == "syndication-footer" or "appeared first on" in piece.text:
            return piece.text
    return None


def _names_outlet(article: Article, outlet: str | None) -> str | None:
    """How ``article`` credits ``outlet`` (a credit line or a citation), if it does."""
    if not outlet:
        return None
    credit = _CREDIT.search(article.text[:400])
    if credit and credit.group(1).strip().lower() == outlet.lower():
        return f"credit line '({credit.group(1)})'"
    pattern = re.compile(
        r"\b(?:told|tell|tells|according to|reported by|via|citing)\s+(?:the\s+)?"
        rf"{re.escape(outlet)}\b"
        rf"|\b{re.escape(outlet)}\s+(?:reported|said|says|first reported)\b",
        re.I,
    )
    found = pattern.search(article.text)
    return f"cites '{found.group(0)}'" if found else None


def canonical_key(article: Article) -> tuple[bool, str, str]:
    """The order taken when nothing says which came first: dated before undated, by
    stated date, then by id (content-derived, so the same whatever the arrival)."""
    date = _date(article)
    return (date is None, date or "", article.id)


def decide(a: Article, b: Article, *, kind: str, a_sentences: int, b_sentences: int) -> Direction:
    """Decide the direction between ``a`` and ``b``; the order they are given in does not
    matter."""
    da, db = _date(a), _date(b)
    if da and db and da != db:
        first, second = (a, b) if da < db else (b, a)
        return Direction(
            first, second, [f"published {_date(first)}, the other {_date(second)}"], 0.9
        )
    for copy, other in ((a, b), (b, a)):
        footer = _footer(copy)
        if footer:
            return Direction(
                other, copy, [f"syndication footer in the copy: {footer[:120]!r}"], 0.85
            )
    for copy, other in ((a, b), (b, a)):
        credit = _names_outlet(copy, other.outlet)
        if credit:
            return Direction(other, copy, [f"the copy {credit}, the original's outlet"], 0.8)
    evidence = []
    if da and not db:
        evidence.append(f"only one states a date ({da})")
    canonical = canonical_key(a) <= canonical_key(b)
    if kind == "excerpt" and a_sentences != b_sentences:
        first, second = (a, b) if a_sentences > b_sentences else (b, a)
        return Direction(first, second, [*evidence, "the excerpt is the shorter text"], 0.6)
    first, second = (a, b) if canonical else (b, a)
    return Direction(first, second, [
        *evidence, "no dated or textual evidence: direction unknown, taken in canonical "
        "order (dated first, then by id)"], 0.3)
