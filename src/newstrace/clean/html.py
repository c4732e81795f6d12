"""HTML pages: metadata from markup (our own cheap XPath pass) and main text.

The page is parsed once with lxml. Metadata comes from ``<meta>`` tags
(Open Graph, article:*, Dublin Core, Parse.ly, Sailthru), JSON-LD
(``NewsArticle``: headline, datePublished, author, publisher) and
``<time itemprop=datePublished>``; the copyright line of the footer names the
outlet when the page has no ``og:site_name``. Main text comes from trafilatura.

Why our own metadata pass instead of ``trafilatura.bare_extraction(
with_metadata=True)``: that runs htmldate's full search on every page, which
was the slowest step (12 pages/s vs 36 without it on the dev set); explicit
publication tags answer most pages, and htmldate runs only when they do not.

>>> page = '''<html lang="en"><head><meta property="og:site_name" content="Daily Planet">
... <meta property="article:published_time" content="2024-03-01T08:30:00+01:00">
... <meta name="author" content="Lois Lane"><title>Storm hits Metropolis | Daily Planet</title>
... </head><body><h1>Storm hits Metropolis</h1><p>x</p></body></html>'''
>>> meta = page_metadata(parse_html(page))
>>> meta.site_name, meta.published, meta.authors, meta.title
('Daily Planet', '2024-03-01T08:30:00+01:00', ['Lois Lane'], 'Storm hits Metropolis')
"""

from __future__ import annotations

import html as html_lib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lxml.html import HtmlElement

from .authors import is_person_name, split_names
from .dates import normalize_date
from .outlets import outlet_from_copyright

__all__ = ["PageMeta", "find_date_htmldate", "main_text", "page_metadata", "parse_html"]

#: ``<meta>`` keys (name/property/itemprop, lower-cased) that carry the
#: *publication* date. Modification dates are deliberately absent.
DATE_KEYS = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "article:published", "datepublished", "pubdate", "publishdate", "publish-date",
    "publish_date", "published_time", "publication_date", "dc.date.issued", "dcterms.issued",
    "dc.date", "dcterms.date", "dcterms.created", "dc.date.created", "sailthru.date",
    "parsely-pub-date", "article.published", "originalpublicationdate", "date",
    "cxenseparse:recs:publishtime", "article_date_original", "og:pubdate", "displaydate",
)
TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "headline", "parsely-title",
              "sailthru.title")
AUTHOR_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl")
SITE_KEYS = ("og:site_name", "application-name", "publisher", "dc.publisher",
             "twitter:app:name:iphone")


@dataclass(slots=True)
class PageMeta:
    """What the markup says about the article."""

    title: str | None = None
    site_name: str | None = None
    copyright_outlet: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    published_from: str = "metadata"
    language: str | None = None


#: A start tag longer than this is cut to its name. libxml2 checks each attribute
#: against the tag's others, and htmldate and trafilatura walk every attribute of every
#: element: a tag of 100,000 attributes (a hostile 1 MB page) took 105 s to clean. Real
#: tags stay far below (the longest are inline images as data URIs, useless here).
MAX_TAG_CHARS = 32_768
# [^<>]: a run of attributes ends at the next tag's opening, so the scan is linear
_LONG_TAG_PATTERN = rf"<([A-Za-z][A-Za-z0-9:-]*)[^<>]{{{MAX_TAG_CHARS},}}>"
_LONG_TAG = {bytes: re.compile(_LONG_TAG_PATTERN.encode()), str: re.compile(_LONG_TAG_PATTERN)}


def tame_markup(content: bytes | str) -> bytes | str:
    """``content`` with every start tag longer than :data:`MAX_TAG_CHARS` cut to its name
    (its text and the rest of the page as they were).

    >>> tame_markup('<p ' + 'x="1" ' * 10_000 + '>Text</p>')
    '<p>Text</p>'
    >>> tame_markup(b'<p class="lead">Text</p>')
    b'<p class="lead">Text</p>'
    """
    if len(content) <= MAX_TAG_CHARS:
        return content
    pattern = _LONG_TAG[type(content)]
    return pattern.sub(rb"<\1>" if isinstance(content, bytes) else r"<\1>", content)


def parse_html(content: bytes | str) -> HtmlElement | None:
    """Parse a page with trafilatura's loader (encoding detection, broken markup)."""
    from lxml import etree
    from lxml import html as lxml_html
    from trafilatura.utils import HTML_PARSER, load_html

    tree = None
    if isinstance(content, bytes) and b"html" in content[:64].lower() and _is_utf8(content):
        # the common case, a UTF-8 page: libxml2 parses the bytes as they are, without
        # trafilatura's decoding and string repairs (those exist for str input). 2.8x
        # faster; the same metadata and main text on every dev page
        try:
            tree = lxml_html.document_fromstring(content, parser=HTML_PARSER)
        except (ValueError, etree.LxmlError):
            tree = None
    if tree is None or len(tree) < 1:
        tree = load_html(content)
    if tree is None and content:
        # trafilatura refuses fragments ("<p>...</p>" without <html>); lxml wraps them
        try:
            text = content if isinstance(content, str) else content.decode("utf-8", "replace")
            tree = lxml_html.document_fromstring(f"<html><body>{text}</body></html>")
        except (ValueError, TypeError, etree.LxmlError):
            tree = None
    return tree


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _meta_map(tree: HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for el in tree.iterfind(".//meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop")
        value = el.get("content")
        if key and value and value.strip():
            # some CMSs escape twice ("&amp;quot;"): lxml undoes one level only
            found.setdefault(key.strip().lower(), html_lib.unescape(" ".join(value.split())))
    return found


def _walk_jsonld(node: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk_jsonld(item, out)
    elif isinstance(node, dict):
        out.append(node)
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in node:
                _walk_jsonld(node[key], out)


def _jsonld_objects(tree: HtmlElement) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            _walk_jsonld(json.loads(script.text_content() or "null"), objects)
        except (ValueError, RecursionError):
            continue  # broken JSON-LD is common; the <meta> tags remain
    return objects


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, str) and value.strip() and "://" not in value:
        return [value.strip()]
    return []


_ARTICLE_TYPES = re.compile(r"article|posting|report|blog", re.I)
_TITLE_SUFFIX = re.compile(r"\s+[|–—•·:-]\s+[^|–—•·]{2,60}$")


def page_metadata(tree: HtmlElement) -> PageMeta:
    """Title, site name, authors, publication date and language from markup."""
    meta = _meta_map(tree)
    info = PageMeta()
    articles = [o for o in _jsonld_objects(tree) if _ARTICLE_TYPES.search(str(o.get("@type", "")))]

    for obj in articles:  # JSON-LD first: it is the most deliberate metadata
        stamp = obj.get("datePublished") or obj.get("dateCreated")
        info.published = info.published or normalize_date(stamp)
        headline = obj.get("headline")
        info.title = info.title or (headline if isinstance(headline, str) else None)
        info.authors = info.authors or _names(obj.get("author"))
        names = _names(obj.get("publisher"))
        info.site_name = info.site_name or (names[0] if names else None)
    for key in DATE_KEYS:
        if info.published:
            break
        info.published = normalize_date(meta.get(key))
    if not info.published:
        for el in tree.xpath('//time[@itemprop="datePublished" or @pubdate][@datetime]')[:1]:
            info.published = normalize_date(el.get("datetime"))
    for key in TITLE_KEYS:
        info.title = info.title or meta.get(key)
    if not info.title:
        h1 = tree.xpath("//h1")
        text = " ".join(h1[0].text_content().split()) if h1 else ""
        if not text:
            titles = tree.xpath("//title")
            text = " ".join(titles[0].text_content().split()) if titles else ""
            text = _TITLE_SUFFIX.sub("", text)  # "Story | Site" -> "Story"
        info.title = text or None
    for key in SITE_KEYS:
        info.site_name = info.site_name or meta.get(key)
    if not info.authors:
        for key in AUTHOR_KEYS:
            value = meta.get(key)
            if value and "://" not in value:
                info.authors = split_names(re.sub(r"^by\s+", "", value, flags=re.I)) or (
                    [value] if is_person_name(value) else [])
                if info.authors:
                    break
    else:
        info.authors = [n for a in info.authors for n in (split_names(a) or [a])]
    for text in tree.xpath('//footer//text() | //*[contains(@class, "copyright")]//text()')[:200]:
        if "©" not in text and "opyright" not in text:
            continue
        if name := outlet_from_copyright(" ".join(text.split())):
            info.copyright_outlet = name
            break
    if info.title and info.site_name:
        info.title = strip_site_suffix(info.title, info.site_name)
    if isinstance(info.title, str):
        info.title = html_lib.unescape(info.title).strip() or None
    lang = tree.get("lang") or meta.get("og:locale") or meta.get("content-language")
    if lang:
        info.language = re.split(r"[-_]", lang.strip().lower())[0][:2] or None
    return info


def strip_site_suffix(title: str, site: str) -> str:
    """Drop a trailing " | Site" / " — SITE" that repeats the site name.

    >>> strip_site_suffix("Heat wave next week — ZAXID.NET", "zaxid.net")
    'Heat wave next week'
    """
    m = re.match(r"^(.{8,}?)\s+[|–—•·:-]\s+(.+)$", title)
    if m and m.group(2).strip().casefold() == site.strip().casefold():
        return m.group(1).strip()
    return title


#: How many languages htmldate's text search hands to dateparser, the most used on the
#: web first (dateparser's own ranking): 40 cover the news of every major region.
#: dateparser otherwise tries each of its 205 locales on every string no locale
#: parses, compiling each locale's patterns in every new process (~1 s) and trying
#: all 205 each time (3x slower warm); on the dev pages the 40 give the same
#: accuracy. ``NEWSTRACE_DATE_LANGUAGES``: "all", or a comma-separated list.
DATE_LANGUAGE_COUNT = 40


def date_languages() -> list[str] | None:
    """The languages dateparser may read dates in (None: all of them).

    >>> date_languages()[:3]
    ['en', 'ru', 'es']
    """
    from dateparser.data.languages_info import language_order

    wanted = os.environ.get("NEWSTRACE_DATE_LANGUAGES", "").strip()
    if wanted.lower() == "all":
        return None
    if not wanted:
        return list(language_order[:DATE_LANGUAGE_COUNT])
    chosen = [code.strip() for code in wanted.split(",") if code.strip()]
    unknown = sorted(set(chosen) - set(language_order))
    if unknown:
        raise ValueError(f"NEWSTRACE_DATE_LANGUAGES: dateparser knows no language "
                         f"{', '.join(unknown)}")
    return chosen


@lru_cache(maxsize=1)
def _htmldate_find_date() -> Callable[..., str | None]:
    """htmldate's find_date, its dateparser limited to :func:`date_languages`."""
    from htmldate import find_date
    from htmldate.extractors import get_external_parser

    # htmldate builds one DateDataParser per process (cached) with every language;
    # narrowing that object keeps htmldate's own settings for the rest
    get_external_parser().languages = date_languages()
    return find_date


def find_date_htmldate(tree: HtmlElement, url: str | None, extensive: bool = False) -> str | None:
    """htmldate's markup search for the original publication date (copies the tree);
    ``extensive`` adds its search of the page's text."""
    find_date = _htmldate_find_date()
    try:
        return find_date(tree, url=url, original_date=True, extensive_search=extensive)
    except Exception:
        return None


def main_text_fast(content: bytes | str) -> str:
    """Main text with resiliparse (compiled, ~10x faster than trafilatura, less precise:
    section labels and date lines survive, and the boilerplate classifier after it
    removes what it recognises), one paragraph per line."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding
    from resiliparse.parse.html import HTMLTree

    html = bytes_to_str(content, detect_encoding(content)) if isinstance(content, bytes) \
        else content
    text = extract_plain_text(HTMLTree.parse(html), main_content=True, alt_texts=False,
                              links=False, list_bullets=False, form_fields=False)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def main_text(tree: HtmlElement, url: str | None, thorough: bool = True) -> str:
    """Main text with trafilatura, one paragraph per line (``tree`` is not modified).

    ``fast=True`` skips the readability/justext fallbacks and ``favor_precision``
    prunes more link lists: 3x faster on the dev pages and cleaner text. If that
    finds (almost) nothing and ``thorough``, one slower full pass with fallbacks is
    tried (up to 300 ms a page).
    """
    from trafilatura import bare_extraction

    options = dict(url=url, include_comments=False, include_tables=True, with_metadata=False)
    doc = bare_extraction(tree, fast=True, favor_precision=True, **options)
    text = (doc.text if doc is not None else "") or ""
    if len(text) < 200 and thorough:
        doc = bare_extraction(tree, fast=False, **options)
        alt = (doc.text if doc is not None else "") or ""
        if len(alt) > len(text):
            text = alt
    return text
