"""HTML pages written for the tests: metadata, cookie banners, copyright footers."""

from __future__ import annotations

from newstrace.clean import clean_document
from newstrace.clean.html import page_metadata, parse_html
from newstrace.records import RawDocument

PARAS = [
    "Officials in the capital said on Tuesday that the new bridge would open next month "
    "after years of delays, ending a long dispute between the city and its contractors.",
    "The project cost more than twice the original estimate, according to a report "
    "published by the city auditor, who blamed changes to the design and rising prices.",
    "Residents on both banks of the river welcomed the news, saying the detour had added "
    "an hour to their daily commute for almost three years.",
    "The mayor is expected to attend the opening ceremony together with the regional "
    "governor and representatives of the construction company.",
]


def page(head: str = "", before: str = "", after: str = "", footer: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{head}"
            "<title>Bridge to open next month | Daily Planet</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
            f"<div class='cookie-banner'><p>We use cookies to improve your experience. "
            f"By using this site you accept our Cookie Policy.</p><button>Accept</button></div>"
            f"<article><h1>Bridge to open next month</h1>{before}{body}{after}</article>"
            f"<footer>{footer}</footer></body></html>")


def clean_html(html: str, url: str | None = "https://www.dailyplanet.example/city/bridge",
               **hints) -> object:
    return clean_document(RawDocument("p.html", html.encode("utf-8"), "html", url=url, hints=hints))


def test_metadata_from_meta_tags():
    head = ("<meta property='og:site_name' content='Daily Planet'>"
            "<meta property='og:title' content='Bridge to open next month'>"
            "<meta property='article:published_time' content='2024-03-01T08:30:00+01:00'>"
            "<meta name='author' content='Lois Lane and Clark Kent'>")
    art = clean_html(page(head))
    assert art.title == "Bridge to open next month"
    assert (art.outlet, art.outlet_from) == ("Daily Planet", "site-name")
    assert (art.published, art.published_from) == ("2024-03-01T08:30:00+01:00", "metadata")
    assert art.authors == ["Lois Lane", "Clark Kent"]
    assert art.language == "en"


def test_main_text_without_cookie_banner_or_nav():
    art = clean_html(page())
    paragraphs = art.text.split("\n\n")
    assert paragraphs == PARAS
    assert "cookies" not in art.text and "Home" not in art.text
    assert art.id and art.url == "https://www.dailyplanet.example/city/bridge"


def test_cookie_line_inside_article_is_boilerplate():
    art = clean_html(page(after="<p>This website uses cookies. Privacy and Cookie Policies.</p>"
                                "<p>Leave a Comment</p>"))
    assert "cookies" not in art.text and "Leave a Comment" not in art.text
    assert [b.reason for b in art.boilerplate] == ["title", "cookie-notice", "comment-prompt"]


def test_copyright_footer_names_outlet_without_site_name():
    footer = "<p>Copyright © 2024 Metro Daily Planet. All rights reserved.</p>"
    art = clean_html(page(footer=footer))
    assert (art.outlet, art.outlet_from) == ("Metro Daily Planet", "copyright")
    assert art.published is None  # 2024 is a copyright year, not a date
    assert "Copyright" not in art.text


def test_url_domain_outlet_and_url_date():
    art = clean_html(page(), url="https://edition.cnn.com/2024/03/01/world/bridge/index.html")
    assert (art.outlet, art.outlet_from) == ("CNN", "url-domain")
    assert (art.published, art.published_from) == ("2024-03-01", "url")


def test_jsonld_newsarticle():
    ld = ('<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
          '"headline":"Bridge opens at last","datePublished":"2024-02-29",'
          '"author":[{"@type":"Person","name":"Lois Lane"}],'
          '"publisher":{"@type":"Organization","name":"Planet Media"}}</script>')
    meta = page_metadata(parse_html(page(ld)))
    assert (meta.title, meta.published, meta.authors, meta.site_name) == (
        "Bridge opens at last", "2024-02-29", ["Lois Lane"], "Planet Media")


def test_title_from_title_tag_without_site_suffix():
    meta = page_metadata(parse_html("<html><head><title>Bridge opens | Daily Planet</title></head>"
                                    "<body><p>x</p></body></html>"))
    assert meta.title == "Bridge opens"


def test_syndication_footer_in_html():
    art = clean_html(page(after="<p>The post Bridge to open next month appeared first on "
                                "River Gazette.</p>"))
    assert (art.outlet, art.outlet_from) == ("River Gazette", "syndication-footer")
    assert "appeared first" not in art.text


def test_hints_beat_markup():
    head = "<meta property='og:site_name' content='Daily Planet'>"
    art = clean_html(page(head), title="Hinted title", outlet="Feed Outlet",
                     authors=["A. Writer"], published="2024-01-02", language="fr-FR")
    assert art.title == "Hinted title"
    assert (art.outlet, art.outlet_from) == ("Feed Outlet", "hint")
    assert art.authors == ["A. Writer"]
    assert (art.published, art.published_from) == ("2024-01-02", "feed")
    assert art.language == "fr"


def test_html_bytes_in_legacy_encoding():
    html = page().replace("<meta charset='utf-8'>", "<meta charset='iso-8859-1'>")
    html = html.replace("capital", "capitale côté")
    art = clean_document(RawDocument("p.html", html.encode("latin-1"), "html"))
    assert "capitale côté" in art.text


def test_html_mislabelled_as_text_is_parsed_as_html():
    art = clean_document(RawDocument("p.txt", page(), "text"))
    assert "<p>" not in art.text and art.text.split("\n\n") == PARAS


def test_header_fragments_and_separators_dropped():
    art = clean_html(page(before="<p>ESPORTE</p><p>| |</p>", after="<p>* * *</p>"))
    reasons = {b.text: b.reason for b in art.boilerplate}
    assert reasons.get("ESPORTE") == "header-fragment"
    assert "* * *" not in art.text and "| |" not in art.text
    assert art.text.split("\n\n") == PARAS


def test_paragraphs_in_scripts_without_spaces_are_kept():
    jp = ["岐阜駅前店を7月1日にオープンすると発表しました。駅から徒歩一分の場所にあります。",
          "同社は今後も駅に近いエリアへの出店を続ける方針で、年内にさらに三店舗を開く予定です。",
          "新店舗では地域の物件情報を幅広く扱い、オンラインでの相談にも対応するということです。"]
    html = ("<html lang='ja'><head><title>新店舗オープン</title></head><body><article>"
            + "".join(f"<p>{p}</p>" for p in jp) + "</article></body></html>")
    art = clean_document(RawDocument("j.html", html, "html"))
    assert art.text.split("\n\n") == jp
    assert art.language == "ja"
