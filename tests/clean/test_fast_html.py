"""The fast HTML path (resiliparse): main text kept, page furniture dropped, metadata intact."""

from __future__ import annotations

import pytest

from newstrace.clean import CleaningError, clean_document
from newstrace.records import RawDocument

PAGE = b"""<!doctype html><html lang="en"><head><title>Bridge reopens - City Times</title>
<meta property="og:site_name" content="City Times">
<meta property="article:published_time" content="2023-02-24T10:00:00Z">
<meta name="author" content="Ann Lee"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<div class="cookie">We use cookies to improve your experience. Accept all cookies</div>
<article><h1>Bridge reopens after two years of repairs</h1>
<p>The city council said on Friday that the old bridge would reopen to traffic next month,
after repairs that took two years and cost more than planned.</p>
<p>Engineers replaced the deck and the cables, the mayor said, adding that the bridge was now
safe for another fifty years of use by cars, buses and bicycles.</p></article>
<footer>Copyright 2023 City Times. All rights reserved.</footer></body></html>"""


@pytest.mark.parametrize("extractor", ["trafilatura", "resiliparse"])
def test_both_extractors_keep_the_story_and_metadata(extractor: str) -> None:
    article = clean_document(RawDocument("p.html", PAGE, "html"), html_extractor=extractor)
    assert "old bridge would reopen to traffic next month" in article.text
    assert "safe for another fifty years" in article.text
    assert "Accept all cookies" not in article.text
    assert "All rights reserved" not in article.text
    assert article.published is not None and article.published.startswith("2023-02-24")
    assert article.outlet == "City Times" and article.authors == ["Ann Lee"]


def test_unknown_extractor_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown HTML extractor"):
        clean_document(RawDocument("p.html", PAGE, "html"), html_extractor="magic")
    with pytest.raises(CleaningError):
        clean_document(RawDocument("e.html", b"<html><body><nav>Home</nav></body></html>",
                                   "html"), html_extractor="resiliparse")
