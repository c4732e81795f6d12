"""A page built to make HTML parsers crawl is cut down before any parser sees it."""

from __future__ import annotations

from newstrace.clean import clean_document
from newstrace.clean.html import MAX_TAG_CHARS, parse_html, tame_markup
from newstrace.records import RawDocument

BODY = "China said on Monday that it had not supplied weapons to Russia, officials said."


def hostile_page(attributes: int) -> bytes:
    crowd = " ".join(f'data-a{n}="v{n}"' for n in range(attributes))
    return (f"<html><head><title>Drones</title></head><body><p {crowd}>{BODY}</p>"
            f"<p class=\"lead\">{BODY} Again.</p></body></html>").encode()


def test_a_tag_of_100000_attributes_is_cut_to_its_name() -> None:
    page = hostile_page(100_000)  # ~2 MB: htmldate and trafilatura took ~105 s on it
    tamed = tame_markup(page)
    assert len(tamed) < 1000
    tree = parse_html(tamed)
    assert tree is not None
    assert max(len(el.attrib) for el in tree.iter()) <= 1
    article = clean_document(RawDocument(source="p.html", content=page, media_type="html"))
    assert BODY in article.text and article.title == "Drones"


def test_ordinary_markup_is_left_alone() -> None:
    page = hostile_page(20)
    assert tame_markup(page) == page
    long_but_fine = b"<p>" + b"word " * MAX_TAG_CHARS + b"</p>"  # long text, short tags
    assert tame_markup(long_but_fine) == long_but_fine
    assert tame_markup(long_but_fine.decode()) == long_but_fine.decode()
