"""When did it happen? Dates from the content, resolved against the publication date.

Shared by the stages that place articles in time: stories (event dates, timelines),
claims (a denial is about a claim of its own time) and provenance (origins' dates,
citations' dates, the date-content anomaly).

>>> from datetime import date
>>> mentions("Russia asked China for help on Monday, U.S. officials said.", date(2023, 1, 30))
[datetime.date(2023, 1, 30)]
>>> mentions("In its February 24 assessment, the think tank said...", date(2023, 3, 1))
[datetime.date(2023, 2, 24)]
>>> mentions("The deal was signed on 12 March 2022.", None)
[datetime.date(2022, 3, 12)]
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from newstrace.nlp.lexicon import MONTHS, WEEKDAYS

if TYPE_CHECKING:
    from newstrace.records import Article

_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|" \
         r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_MDY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+((?:19|20)\d\d))?\b", re.I)
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+((?:19|20)\d\d))?\b",
                  re.I)
_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_WEEKDAY = re.compile(r"\b(?:on|last|this|since|early|late)\s+(monday|tuesday|wednesday|"
                      r"thursday|friday|saturday|sunday)\b", re.I)
_RELATIVE = {"yesterday": -1, "today": 0, "last week": -7, "earlier this week": -3,
             "this week": -2, "last month": -30}
#: "this week" names a span, not a day: it counts half when dates are voted on.
_VAGUE = {"last week", "earlier this week", "this week", "last month"}


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year_for(month: int, day: int, reference: date | None) -> int | None:
    """A date without a year lies within the year before the reference (news reports back)."""
    if reference is None:
        return None
    candidate = _safe(reference.year, month, day)
    if candidate and candidate > reference + timedelta(days=31):
        return reference.year - 1
    return reference.year


def mentions(text: str, reference: date | None) -> list[date]:
    """Dates the text talks about, in order of appearance."""
    return [d for d, _ in weighted_mentions(text, reference)]


def weighted_mentions(text: str, reference: date | None) -> list[tuple[date, float]]:
    """Dates the text talks about with a weight (1 for a day, 0.5 for a vague span)."""
    found: list[tuple[int, date, float]] = []
    for m in _ISO.finditer(text):
        d = _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d:
            found.append((m.start(), d, 1.0))
    for pattern, month_group, day_group in ((_MDY, 1, 2), (_DMY, 2, 1)):
        for m in pattern.finditer(text):
            month = MONTHS.get(m.group(month_group).lower().rstrip("."))
            day = int(m.group(day_group))
            if month is None or not 1 <= day <= 31:
                continue
            if month == 5 and pattern is _MDY and not m.group(3) and m.group(1).islower():
                continue  # "may 3" is more often a verb than a month
            year = int(m.group(3)) if m.group(3) else _year_for(month, day, reference)
            if year and (d := _safe(year, month, day)):
                found.append((m.start(), d, 1.0))
    if reference is not None:
        for m in _WEEKDAY.finditer(text):
            back = (reference.weekday() - WEEKDAYS[m.group(1).lower()]) % 7
            found.append((m.start(), reference - timedelta(days=back), 1.0))
        lower = text.lower()
        for phrase, offset in _RELATIVE.items():
            for m in re.finditer(rf"\b{phrase}\b", lower):
                weight = 0.5 if phrase in _VAGUE else 1.0
                found.append((m.start(), reference + timedelta(days=offset), weight))
    return [(d, w) for _, d, w in sorted(found, key=lambda x: x[0])]


#: Events the content of news often counts from. A small, documented list: an
#: anchor is used only when the text names it ("after its invasion of Ukraine").
ANCHORS = {
    r"invasion of Ukraine|invaded Ukraine|full-scale invasion": date(2022, 2, 24),
    r"annexation of Crimea|annexed Crimea": date(2014, 3, 18),
    r"October 7 attack|Hamas attack on Israel": date(2023, 10, 7),
}
_NUMBER = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "a few": 3, "several": 4}
_AFTER = re.compile(r"\b(?:nearly |almost |about |more than |just |some )?"
                    r"(\d+|a few|a|one|two|three|four|five|six|seven|eight|nine|ten|several)\s+"
                    r"(day|week|month|year)s?\s+(?:after|since|into)\s+(?:its\s+|the\s+|their\s+)?"
                    r"([^.,;]{3,60})", re.I)
_UNIT = {"day": 1, "week": 7, "month": 30, "year": 365}
CONFLICT_DAYS = 60


@dataclass(frozen=True, slots=True)
class ContentConflict:
    """A stated date the content contradicts: "nearly three weeks after its invasion of
    Ukraine" in an article dated a year later."""

    stated: date
    implied: date  # where the content places itself
    anchor: date  # the event it counts from
    match: re.Match[str]


def content_conflict(text: str, published: str | None) -> ContentConflict | None:
    """The first phrase of ``text`` that places it more than :data:`CONFLICT_DAYS` from
    its stated date ``published``, counted from an event of known date (:data:`ANCHORS`).

    >>> text = "Nearly three weeks after its invasion of Ukraine, Russia asked China for help."
    >>> content_conflict(text, "2023-01-30").implied
    datetime.date(2022, 3, 17)
    >>> content_conflict(text, "2022-03-16") is None
    True
    """
    stated = iso_day(published)
    if stated is None:
        return None
    for m in _AFTER.finditer(text):
        count = _NUMBER.get(m.group(1).lower()) or (int(m.group(1))
                                                    if m.group(1).isdigit() else None)
        anchor = next((d for pattern, d in ANCHORS.items()
                       if re.search(pattern, m.group(3), re.I)), None)
        if count is None or anchor is None:
            continue
        implied = anchor + timedelta(days=count * _UNIT[m.group(2).lower()])
        if abs((stated - implied).days) > CONFLICT_DAYS:
            return ContentConflict(stated, implied, anchor, m)
    return None


def trusted_date(text: str, published: str | None) -> tuple[str | None, str | None]:
    """The date an article is placed by (ISO) and why: its stated date (``stated``),
    or, where its content contradicts that, the date the content places it at
    (``content``): a republished story keeps its own time, not its new date.

    >>> trusted_date("Nearly three weeks after its invasion of Ukraine...", "2023-01-30")
    ('2022-03-17', 'content')
    >>> trusted_date("The talks went on.", "2023-01-30")
    ('2023-01-30', 'stated')
    """
    conflict = content_conflict(text, published)
    if conflict is not None:
        return conflict.implied.isoformat(), "content"
    return (published, "stated") if published else (None, None)


def trusted_date_of(article: Article) -> tuple[str | None, str | None]:
    """:func:`trusted_date` of an article, scanned once however many stages ask (the
    scopes' order, the claims' dates, provenance, the timeline) within a run.

    >>> from newstrace.records import Article
    >>> trusted_date_of(Article("a1", "x", "The talks went on.", published="2023-01-30"))
    ('2023-01-30', 'stated')
    """
    return _cached_trusted_date(article.text, article.published)


# keyed by the text itself (not the id: an id is whatever the caller gave), and bounded:
# it holds a run's texts, not a corpus'
_cached_trusted_date = lru_cache(maxsize=4096)(trusted_date)


def event_date(text: str, published: str | None) -> tuple[str | None, str | None]:
    """The article's event date (ISO) and where it came from: ``content`` or ``published``.

    The most frequent date the content mentions, ties going to the earliest
    mention; the publication date when the content names none. Relative dates
    ("on Monday") count from the :func:`trusted_date`, not from a stated date the
    content contradicts.
    """
    trusted, trusted_from = _cached_trusted_date(text, published)
    reference = iso_day(trusted)
    weighted = weighted_mentions(text, reference)
    if reference:
        # a report can look back, not forward: drop dates after publication
        weighted = [(d, w) for d, w in weighted if d <= reference + timedelta(days=1)]
    if weighted:
        votes: Counter[date] = Counter()
        first_seen: dict[date, int] = {}
        for position, (d, w) in enumerate(weighted):
            votes[d] += w
            first_seen.setdefault(d, position)
        best = max(votes, key=lambda d: (votes[d], -first_seen[d]))
        return best.isoformat(), "content"
    if reference:
        return reference.isoformat(), "content" if trusted_from == "content" else "published"
    return None, None


def iso_day(value: str | None) -> date | None:
    """The calendar date of an ISO date or date-time, as written (no time zone shift).

    >>> iso_day("2023-02-24T23:58:00-05:00"), iso_day("2023-02-24"), iso_day("Feb 24")
    (datetime.date(2023, 2, 24), datetime.date(2023, 2, 24), None)
    """
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def days_apart(a: str | None, b: str | None) -> int | None:
    """Whole days between two ISO dates or date-times (their calendar days, as
    written), or None when either is missing or not ISO.

    >>> days_apart("2023-02-24T23:58:00-05:00", "2023-02-26"), days_apart("2023-02-24", None)
    (2, None)
    """
    first, second = iso_day(a), iso_day(b)
    if first is None or second is None:
        return None
    return abs((first - second).days)
