"""The shortcuts of the HTML path keep its results: UTF-8 parsing, dateparser's
languages, the fast extractor's fallback."""

from __future__ import annotations

import pytest

from newstrace.clean import clean_document, html
from newstrace.records import RawDocument

BODY = ("<p>Le conseil municipal a annoncé vendredi que le vieux pont rouvrira à la "
        "circulation le mois prochain, après deux ans de travaux coûteux.</p>")


def _page(charset: str) -> str:
    return (f'<!doctype html><html lang="fr"><head><meta charset="{charset}">'
            f"<title>Le pont rouvre</title></head><body><article>{BODY}</article>"
            "</body></html>")


def test_a_utf8_page_is_read_as_utf8_whatever_its_meta_charset_says() -> None:
    # the UTF-8 shortcut must not let a stale <meta charset> garble the accents
    tree = html.parse_html(_page("iso-8859-1").encode("utf-8"))
    assert "annoncé vendredi" in tree.text_content()


def test_a_latin1_page_still_goes_through_encoding_detection() -> None:
    tree = html.parse_html(_page("iso-8859-1").encode("latin-1"))
    assert "annoncé vendredi" in tree.text_content()


def test_a_fragment_still_parses() -> None:
    tree = html.parse_html(b"<p>Just one paragraph of a page, no html element.</p>")
    assert "Just one paragraph" in tree.text_content()


def test_date_languages_default_and_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSTRACE_DATE_LANGUAGES", raising=False)
    default = html.date_languages()
    assert len(default) == html.DATE_LANGUAGE_COUNT and default[0] == "en"
    assert {"de", "fr", "ru", "zh", "ar", "hr"} <= set(default)
    monkeypatch.setenv("NEWSTRACE_DATE_LANGUAGES", "all")
    assert html.date_languages() is None
    monkeypatch.setenv("NEWSTRACE_DATE_LANGUAGES", "de, fr")
    assert html.date_languages() == ["de", "fr"]
    monkeypatch.setenv("NEWSTRACE_DATE_LANGUAGES", "de,xx")
    with pytest.raises(ValueError, match="xx"):
        html.date_languages()


def test_htmldate_reads_text_dates_in_the_chosen_languages() -> None:
    from htmldate.extractors import get_external_parser

    page = ("<html><body><div><p>Publié le 12 mars 2021 à 10h00</p></div>"
            f"<article>{BODY}</article></body></html>")
    found = html.find_date_htmldate(html.parse_html(page), None, extensive=True)
    assert found == "2021-03-12"
    assert get_external_parser().languages == html.date_languages()  # narrowed in place


def test_fast_fallback_skips_trafilaturas_slow_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    calls: list[bool] = []
    real = trafilatura.bare_extraction

    def counting(*args, **kwargs):
        calls.append(kwargs.get("fast", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", counting)
    empty = html.parse_html("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    html.main_text(empty, None, thorough=False)
    assert calls == [True]
    calls.clear()
    html.main_text(empty, None)
    assert calls == [True, False]


def test_pages_read_the_same_through_both_parsers(monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page("utf-8").encode("utf-8")
    fast = clean_document(RawDocument("p.html", page, "html"))
    monkeypatch.setattr(html, "_is_utf8", lambda content: False)  # force trafilatura's loader
    slow = clean_document(RawDocument("p.html", page, "html"))
    assert fast == slow
