"""Datelines, URL dates and the rule that prose/copyright dates are never used."""

from __future__ import annotations

import pytest

from newstrace.clean import clean_document
from newstrace.clean.dates import date_from_url, normalize_date, parse_dateline
from newstrace.records import RawDocument

BODY = ("Officials in the capital said on Tuesday that the new bridge would open next "
        "month after years of delays.")


@pytest.mark.parametrize(("line", "expected"), [
    ("January 30, 2023", "2023-01-30"),
    ("Jan. 30, 2023", "2023-01-30"),
    ("30 January 2023", "2023-01-30"),
    ("Monday, January 30, 2023", "2023-01-30"),
    ("2023-01-30", "2023-01-30"),
    ("Published: January 30, 2023", "2023-01-30"),
    ("Posted on 30 January 2023 at 14:05 GMT", "2023-01-30T14:05:00+00:00"),
    ("11:58 p.m. ET, Feb. 24, 2023", "2023-02-24T23:58:00-05:00"),
    ("10:00 a.m. ET, July 4, 2023", "2023-07-04T10:00:00-04:00"),  # daylight time
    ("January 30, 2023 5:00 PM", "2023-01-30"),  # no zone: keep the day only
])
def test_datelines(line, expected):
    assert parse_dateline(line) == expected


@pytest.mark.parametrize("line", [
    "Copyright © 2024",
    "In its February 24 assessment, the think tank said",
    "CNN reported on February 24 that sources said",
    "February 30, 2023",
    "The meeting on January 30, 2023 was tense.",
])
def test_not_datelines(line):
    assert parse_dateline(line) is None


def test_prose_and_copyright_dates_are_not_publication_dates():
    text = (f"Copyright © 2024\n\nBridge opens\n\nIn its February 24, 2023 report the city said "
            f"the bridge would open.\n\n{BODY}")
    art = clean_document(RawDocument("t.txt", text, "text"))
    assert art.published is None and art.published_from is None


def test_dateline_only_in_header():
    text = f"Bridge opens\n\n{BODY}\n\nJanuary 30, 2023\n\n{BODY}"
    assert clean_document(RawDocument("t.txt", text, "text")).published is None


def test_date_line_deep_in_a_list_is_not_a_dateline():
    lines = "\n\n".join(f"Item number {n}" for n in range(10))
    text = f"Bridge opens\n\n{lines}\n\nJanuary 30, 2023\n\n{BODY}"
    assert clean_document(RawDocument("t.txt", text, "text")).published is None


def test_url_date():
    assert date_from_url("https://example.com/news/2021/03/04/bridge.html") == "2021-03-04"
    assert date_from_url("https://example.com/news/20210304/bridge") == "2021-03-04"
    assert date_from_url("https://example.com/2021/13/45/x") is None
    art = clean_document(RawDocument("t.txt", f"Bridge opens\n\n{BODY}", "text",
                                     url="https://example.com/2021/03/04/bridge"))
    assert (art.published, art.published_from) == ("2021-03-04", "url")


def test_hint_beats_dateline():
    art = clean_document(RawDocument("t.txt", f"January 30, 2023\n\nBridge opens\n\n{BODY}", "text",
                                     hints={"published": "2023-01-31T08:00:00Z"}))
    assert (art.published, art.published_from) == ("2023-01-31T08:00:00+00:00", "feed")


@pytest.mark.parametrize(("value", "expected"), [
    ("2021-03-04", "2021-03-04"),
    ("2021-03-04T10:00:00+01:00", "2021-03-04T10:00:00+01:00"),
    ("2021-03-04T10:00:00", "2021-03-04"),
    ("Thu, 04 Mar 2021 10:00:00 GMT", "2021-03-04T10:00:00+00:00"),
    ("not a date", None),
    (None, None),
])
def test_normalize_date(value, expected):
    assert normalize_date(value) == expected
