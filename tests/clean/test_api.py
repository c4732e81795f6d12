"""Public API: names, errors, id, language."""

from __future__ import annotations

import pytest

import newstrace.clean as clean
from newstrace.clean import CleaningError, clean_document
from newstrace.records import Article, RawDocument, article_id

BODY = ("Officials in the capital said on Tuesday that the new bridge would open next "
        "month after years of delays.")


def test_public_names():
    assert {"clean_document", "CleaningError"} <= set(clean.__all__)
    assert issubclass(CleaningError, ValueError)


@pytest.mark.parametrize("content", [b"", "   \n\n ", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR"])
def test_no_usable_text_raises(content):
    with pytest.raises(CleaningError):
        clean_document(RawDocument("x", content, "text"))


def test_only_boilerplate_raises_with_reason():
    with pytest.raises(CleaningError, match="empty after cleaning"):
        clean_document(RawDocument("x", "Copyright © 2024\n\nLeave a Comment", "text"))


def test_empty_html_raises():
    with pytest.raises(CleaningError):
        clean_document(RawDocument("x", b"<html><body><nav>Home</nav></body></html>", "html"))


def test_article_fields_and_id():
    art = clean_document(RawDocument("a.txt", f"Bridge opens\n\n{BODY}".encode(), "text",
                                     url="https://example.com/a"))
    assert isinstance(art, Article)
    assert art.id == article_id(art.text, "https://example.com/a")
    assert (art.source, art.url, art.title, art.text) == (
        "a.txt", "https://example.com/a", "Bridge opens", BODY)
    assert art.language == "en"
    assert Article.from_dict(art.to_dict()) == art


def test_short_text_has_no_language():
    art = clean_document(RawDocument("a.txt", "Title\n\nBody text here.", "text"))
    assert art.language is None


def test_language_detection_german():
    text = ("Die Regierung hat am Dienstag angekündigt, dass die neue Brücke im kommenden Monat "
            "nach jahrelangen Verzögerungen eröffnet werden soll.")
    assert clean_document(RawDocument("a.txt", text, "text")).language == "de"


def test_latin1_bytes_decoded():
    text = ("Le gouvernement a annoncé mardi que le nouveau pont ouvrira le mois prochain après "
            "des années de retard, selon le maire de la ville et plusieurs élus régionaux.")
    art = clean_document(RawDocument("a.txt", text.encode("latin-1"), "text"))
    assert "annoncé" in art.text and art.language == "fr"


def test_wire_dateline_outlet():
    art = clean_document(RawDocument("a.txt", f"WASHINGTON (Reuters) - {BODY}", "text"))
    assert (art.outlet, art.outlet_from) == ("Reuters", "wire-dateline")


def test_byline_by_form():
    art = clean_document(RawDocument("a.txt", f"Bridge opens\n\nBy Jane Doe\n\n{BODY}", "text"))
    assert art.authors == ["Jane Doe"] and "By Jane Doe" not in art.text


def test_utf16_text_with_bom():
    text = f"Bridge opens\n\n{BODY}"
    art = clean_document(RawDocument("a.txt", text.encode("utf-16"), "text"))
    assert (art.title, art.text) == ("Bridge opens", BODY)


def test_html_fragment():
    art = clean_document(RawDocument("f.html", f"<p>{BODY}</p><p>{BODY}</p>", "html"))
    assert art.text.startswith("Officials in the capital")


def test_binary_html_raises():
    with pytest.raises(CleaningError, match="binary"):
        clean_document(RawDocument("x.html", b"\x00\x01PK\x03\x04" * 100, "html"))


def test_what_is_left_of_a_file_with_no_article_is_refused():
    for text in ("null", "42", "true", "   7   "):
        with pytest.raises(CleaningError, match="too short to be an article"):
            clean_document(RawDocument("a.txt", text, "text"))
    for text in ("中国外交部发言人表示", "Body text here."):  # short, but words
        assert clean_document(RawDocument("a.txt", text, "text")).text
