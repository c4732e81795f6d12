"""Publication dates: datelines, URL dates, container hints and normalisation.

Only *positive evidence of publication* is turned into a date: a dateline (a line
near the top that holds nothing but a date, optionally a time and a
"Published"/"Posted" label), page metadata, a container hint or a date in the
URL path. Dates inside prose ("In its February 24 assessment") and copyright
years ("Copyright © 2024") are never used: a wrong date is worse than none for
provenance, because it reorders who said something first.

>>> parse_dateline("January 30, 2023")
'2023-01-30'
>>> parse_dateline("11:58 p.m. ET, Feb. 24, 2023")
'2023-02-24T23:58:00-05:00'
>>> parse_dateline("Published: 24 February 2023 14:05 GMT")
'2023-02-24T14:05:00+00:00'
>>> parse_dateline("In its February 24 assessment, ISW said") is None
True
>>> parse_dateline("Copyright © 2024") is None
True
>>> date_from_url("https://example.com/2020/06/07/some-story.html")
'2020-06-07'
>>> normalize_date("2023-02-24T23:58:00Z")
'2023-02-24T23:58:00+00:00'
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

from newstrace.nlp.lexicon import MONTHS

__all__ = ["MONTHS", "date_from_url", "normalize_date", "parse_dateline"]

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?\s+)?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_TIME = (
    r"(?P<hour>[0-2]?\d)[:.h](?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?\s*"
    r"(?P<ampm>[ap]\.?\s?m\.?)?\s*(?P<tz>(?:UTC|GMT)[+-]\d{1,2}|[+-]\d\d:?\d\d|"
    r"UTC|GMT|BST|CEST|CET|EEST|EET|MSK|IST|JST|KST|AEST|AEDT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|"
    r"ET|CT|MT|PT|Z)?"
)
_DATE_FORMS = [
    _WEEKDAY + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR,  # Feb. 24, 2023
    _WEEKDAY + _DAY + r"\.?\s+" + _MONTH + r",?\s+" + _YEAR,  # 24 February 2023
    r"(?P<year>(?:19|20)\d\d)-(?P<nmonth>[01]?\d)-(?P<day>[0-3]?\d)",  # 2023-02-24
]
_LABEL = r"(?:(?:first\s+)?(?:published|posted|publication date|date)(?:\s+on)?\s*:?\s*)?"
_SEP = r"\s*(?:,|\||-|–|—|at|/|•|·)?\s*"
_DATELINE_RES = []
for _form in _DATE_FORMS:
    # time before the date ("11:58 p.m. ET, Feb. 24, 2023") or after it
    _DATELINE_RES.append(re.compile(r"^" + _LABEL + _TIME + _SEP + _form + r"\s*\.?$", re.I))
    _DATELINE_RES.append(re.compile(r"^" + _LABEL + _form + r"(?:" + _SEP + _TIME + r")?\s*\.?$",
                                    re.I))

#: Offsets of time-zone abbreviations seen in English-language news datelines.
#: "ET"/"PT" etc. are resolved to standard or daylight time by US DST rules.
_FIXED_TZ = {
    "UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3,
    "MSK": 3, "IST": 5.5, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
}
_US_GENERIC = {"ET": -5, "CT": -6, "MT": -7, "PT": -8}


def _us_dst(day: date) -> bool:
    """US daylight saving time: second Sunday of March to first Sunday of November."""
    march = date(day.year, 3, 8)
    start = march + timedelta(days=(6 - march.weekday()) % 7)
    november = date(day.year, 11, 1)
    end = november + timedelta(days=(6 - november.weekday()) % 7)
    return start <= day < end


def _tz_offset(tz: str | None, day: date) -> timedelta | None:
    if not tz:
        return None
    tz = tz.upper()
    if tz in _US_GENERIC:
        return timedelta(hours=_US_GENERIC[tz] + (1 if _us_dst(day) else 0))
    if tz in _FIXED_TZ:
        return timedelta(hours=_FIXED_TZ[tz])
    m = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2}):?(\d\d)?", tz)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        return sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
    return None


def parse_dateline(line: str) -> str | None:
    """ISO date (or date-time with offset) if ``line`` is only a date/time, else None.

    A time without a known zone is dropped (we keep the date alone rather than
    invent an offset).
    """
    line = line.strip()
    if len(line) > 80:
        return None
    for regex in _DATELINE_RES:
        m = regex.match(line)
        if not m:
            continue
        g = m.groupdict()
        month = MONTHS[g["month"].lower().rstrip(".")] if g.get("month") else int(g["nmonth"])
        try:
            day = date(int(g["year"]), month, int(g["day"]))
        except ValueError:
            return None
        if g.get("hour") is None:
            return day.isoformat()
        hour, minute = int(g["hour"]), int(g["minute"])
        ampm = (g.get("ampm") or "").replace(".", "").replace(" ", "").lower()
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        offset = _tz_offset(g.get("tz"), day)
        if offset is None or hour > 23:
            return day.isoformat()
        stamp = datetime(day.year, day.month, day.day, hour, minute,
                         int(g.get("second") or 0), tzinfo=timezone(offset))
        return stamp.isoformat()
    return None


_URL_DATE_RES = [
    # /2020/06/07/ or /2020-06-07/ or /20200607/ in the path
    re.compile(r"[/_-]((?:19|20)\d\d)[/_-]?([01]\d)[/_-]?([0-3]\d)(?=[/_.-]|$)"),
]


def date_from_url(url: str | None) -> str | None:
    """A full Y-M-D date in the URL path (publishers' permalink scheme), else None.

    Year-month alone is not enough (archives, category pages), so it is ignored.

    >>> date_from_url("https://x.org/news/2019/05/title") is None
    True
    """
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url, flags=re.I)
    for regex in _URL_DATE_RES:
        m = regex.search(path)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
            except ValueError:
                continue
    return None


_ISO_RE = re.compile(
    r"^\s*((?:19|20)\d\d)-?([01]\d)-?([0-3]\d)"
    r"(?:[T\s]([0-2]\d):?([0-5]\d)(?::?([0-5]\d)(?:\.\d+)?)?\s*(Z|[+-]\d\d:?\d\d)?)?"
)


def normalize_date(value: Any) -> str | None:
    """Normalise a metadata/hint date (ISO string, datetime, date) to ISO-8601.

    Returns ``YYYY-MM-DD`` when no time (or no zone) is known, a date-time with
    offset otherwise. Free-text dates go through :func:`parse_dateline`; anything
    unparseable gives None rather than a guess.

    >>> normalize_date("2021-03-04")
    '2021-03-04'
    >>> normalize_date("Thu, 04 Mar 2021 10:00:00 +0100")
    '2021-03-04T10:00:00+01:00'
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.date().isoformat()
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    m = _ISO_RE.match(text)
    if m:
        y, mo, d, hh, mi, ss, tz = m.groups()
        try:
            day = date(int(y), int(mo), int(d))
        except ValueError:
            return None
        if hh is None or tz is None:
            return day.isoformat()
        offset = timedelta(0) if tz == "Z" else _tz_offset(tz, day)
        if offset is None:
            return day.isoformat()
        try:
            return datetime(day.year, day.month, day.day, int(hh), int(mi), int(ss or 0),
                            tzinfo=timezone(offset)).isoformat()
        except ValueError:
            return day.isoformat()
    try:  # RFC 822 dates of RSS feeds
        from email.utils import parsedate_to_datetime

        stamp = parsedate_to_datetime(text)
        if stamp.tzinfo is None:
            return stamp.date().isoformat()
        return stamp.isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    return parse_dateline(text)
