"""Clean: main text without boilerplate, and the article's metadata.

``clean_document`` turns a :class:`~newstrace.records.RawDocument` (plain text or
HTML) into an :class:`~newstrace.records.Article`: the main text (paragraphs
separated by blank lines), every removed piece of furniture with the reason it
was removed, and title / outlet / authors / publication date / language, each
with the evidence it came from.

    >>> from newstrace.records import RawDocument
    >>> art = clean_document(RawDocument("a.txt", b"Title\\n\\nBody text here.", "text"))
    >>> art.title, art.text
    ('Title', 'Body text here.')

Precedence (strongest evidence first):

* title: ``hints['title']`` > HTML metadata > first headline-shaped line;
* published: ``hints['published']`` (``published_from`` = ``hints['published_from']``
  or "feed") > HTML metadata ("metadata") > dateline ("dateline") > date in the
  URL path ("url") > the server's ``Last-Modified`` ("http-last-modified"); never a
  date from the prose, never a copyright year, never one later than the page was
  fetched (``hints['fetched']``, a WARC record's date);
* outlet: ``hints['outlet']`` ("hint") > byline ("From CNN’s …": "byline") >
  "The post … appeared first on Y" ("syndication-footer") > ``og:site_name``
  ("site-name") > copyright/funding notice ("copyright") > URL domain
  ("url-domain") > wire tag "(Reuters) —" ("wire-dateline");
* authors: ``hints['authors']`` > byline > HTML metadata. People credited with
  "contributed to this report" are not authors (the line stays in the text).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from newstrace.nlp.temporal import days_apart
from newstrace.records import Article, RawDocument, article_id

from .classify import Classified, classify_blocks
from .dates import date_from_url, normalize_date
from .language import detect_language
from .outlets import outlet_from_url, registered_domain
from .text import decode_bytes, looks_binary, normalize_text, split_blocks

if TYPE_CHECKING:
    from .html import PageMeta

__all__ = ["CleaningError", "clean_document"]

#: For HTML pages with no date in markup or URL, accept htmldate's text search
#: (dates printed in the page, e.g. "Posted 12.07.2020"), tagged "text".
#: +9 correct / -2 wrong on the dev set; set False to only trust markup.
HTML_TEXT_DATES = True
#: Less main text than this on a web page means a menu/landing page, not an article.
MIN_HTML_CHARS = 40
#: the fewest words an article has, in any format ("null", "42" or one word are not one)
MIN_WORDS = 2
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")  # kana, CJK, Hangul
_LETTERS = re.compile(r"[^\W\d_]{2,}")


def _words(text: str) -> int:
    """Words of ``text``: runs of two letters or more, and each character of a script
    written without spaces.

    >>> _words("null"), _words("42"), _words("Body text here."), _words("中国外交部")
    (1, 0, 3, 5)
    """
    return len(_UNSPACED.findall(text)) + len(_LETTERS.findall(_UNSPACED.sub(" ", text)))

_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)


class CleaningError(ValueError):
    """The document holds no usable article (empty, binary, no main text)."""


def _is_html(raw: RawDocument) -> bool:
    if raw.media_type == "html":
        return True
    head = raw.content[:2048]
    if isinstance(head, str):
        head = head.encode("utf-8", "ignore")
    return bool(_HTML_START.match(head))  # a reader mislabelled a page as text


def _hint_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [p.strip() for p in re.split(r"\s*(?:;|\band\b|&)\s*", value) if p.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


#: HTML main-text extractors: "trafilatura" (precise, the default) or "resiliparse"
#: (compiled, ~10x faster, for bulk corpora: ``newstrace ingest --fast-html``).
HTML_EXTRACTORS = ("trafilatura", "resiliparse")


def clean_document(raw: RawDocument, *, html_extractor: str = "trafilatura") -> Article:
    """Clean one document; raise :class:`CleaningError` if no article is left."""
    if html_extractor not in HTML_EXTRACTORS:
        raise ValueError(f"unknown HTML extractor {html_extractor!r}: use one of "
                         f"{', '.join(HTML_EXTRACTORS)}")
    hints = raw.hints or {}
    hint_title = str(hints["title"]).strip() if hints.get("title") else None
    meta = None
    if _is_html(raw):
        from .html import (
            find_date_htmldate,
            main_text,
            main_text_fast,
            page_metadata,
            parse_html,
            tame_markup,
        )

        if isinstance(raw.content, bytes) and looks_binary(raw.content):
            raise CleaningError("not text: binary content")
        markup = tame_markup(raw.content)  # pathological tags cost every parser dearly
        tree = parse_html(markup)
        if tree is None:
            raise CleaningError("unparseable HTML")
        meta = page_metadata(tree)
        if not meta.published and not hints.get("published") and not date_from_url(raw.url):
            meta.published = normalize_date(find_date_htmldate(tree, raw.url))
            # htmldate's full-text search costs ~9 ms a page, but only the ~8% of pages
            # without a date in their markup reach it: both extractors can afford it
            if not meta.published and HTML_TEXT_DATES:
                text_date = find_date_htmldate(tree, raw.url, extensive=True)
                # htmldate pads a lone year to YYYY-01-01: a year is not a date
                if text_date and not text_date.endswith("-01-01"):
                    meta.published_from = "text"
                    meta.published = text_date
        found = _classify_html(main_text_fast(markup) if html_extractor == "resiliparse"
                               else main_text(tree, raw.url), hint_title or meta.title)
        if html_extractor == "resiliparse" and _chars(found) < MIN_HTML_CHARS:
            # resiliparse's main-content heuristic drops some article bodies entirely
            # (about 5% of the dev pages); trafilatura's fast pass recovers most of them.
            # Not its slow pass: on the dev pages it only ever "rescued" link lists,
            # forum furniture and error pages, at up to 300 ms a page
            found = _classify_html(main_text(tree, raw.url, thorough=False),
                                   hint_title or meta.title)
    else:
        content = raw.content
        if isinstance(content, bytes):
            if looks_binary(content):
                raise CleaningError("not text: binary content")
            content = decode_bytes(content)
        found = classify_blocks(split_blocks(normalize_text(content)), known_title=hint_title)

    text = "\n\n".join(found.paragraphs).strip()
    if not text:
        raise CleaningError("empty after cleaning" if found.boilerplate else "no text")
    if meta is not None and len(text) < MIN_HTML_CHARS:
        raise CleaningError(f"no main text in HTML page ({len(text)} characters)")
    if _words(text[:1000]) < MIN_WORDS:
        # "null", "42", a lone word: what is left of a file that held no article
        raise CleaningError(f"too short to be an article: {text[:40]!r}")

    published, published_from = _published(raw, found, meta)
    outlet, outlet_from = _outlet(raw, found, meta)
    authors = _hint_list(hints.get("authors")) or found.authors or (meta.authors if meta else [])
    # CMSs often fill the author field with the site's own name: that is no person
    not_people = {_fold(x) for x in (outlet, meta.site_name if meta else None,
                                     registered_domain(raw.url)) if x}
    authors = [a for a in authors if _fold(a) not in not_people]
    title = hint_title or (meta.title if meta else None) or found.title
    hint_lang = str(hints.get("language") or "").strip().lower()
    language = (re.split(r"[-_]", hint_lang)[0] or None) if hint_lang else None
    language = language or detect_language(text) or (meta.language if meta else None)
    return Article(
        id=article_id(text, raw.url), source=raw.source, text=text, url=raw.url,
        outlet=outlet, outlet_from=outlet_from, title=title, authors=list(dict.fromkeys(authors)),
        published=published, published_from=published_from, language=language,
        boilerplate=list(found.boilerplate),
    )


def _classify_html(body: str, title: str | None) -> Classified:
    # the extractors give one paragraph per line: make each line a block
    blocks = [[" ".join(line.split())] for line in normalize_text(body).split("\n")
              if line.strip()]
    return classify_blocks(blocks, known_title=title, plain_text=False)


def _chars(found: Classified) -> int:
    return sum(len(p) for p in found.paragraphs)


def _published(raw: RawDocument, found: Classified,
               meta: PageMeta | None) -> tuple[str | None, str | None]:
    """The publication date and where it came from; none later than the page was
    fetched (a WARC record's date): a page cannot be published after it was read."""
    value, origin = _stated_date(raw, found, meta)
    fetched = normalize_date((raw.hints or {}).get("fetched"))
    if value and fetched and value[:10] > fetched[:10] \
            and (days_apart(value, fetched) or 0) > 1:
        return None, None
    return value, origin


def _stated_date(raw: RawDocument, found: Classified,
                 meta: PageMeta | None) -> tuple[str | None, str | None]:
    hints = raw.hints or {}
    if (value := normalize_date(hints.get("published"))):
        return value, str(hints.get("published_from") or "feed")
    url_date = date_from_url(raw.url)
    if meta is not None and meta.published:
        if url_date and len(meta.published) > 10 and url_date != meta.published[:10] \
                and days_apart(url_date, meta.published) == 1:
            # A UTC time stamp shifts the calendar day; the permalink carries the
            # publisher's local day, which is what a reader (and the gold) calls the date.
            return url_date, "url"
        return meta.published, meta.published_from
    if found.dateline:
        return found.dateline, "dateline"
    if url_date:
        return url_date, "url"
    if (modified := normalize_date(hints.get("last_modified"))):
        return modified, "http-last-modified"
    return None, None


def _fold(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


def _outlet(raw: RawDocument, found: Classified, meta: object) -> tuple[str | None, str | None]:
    hints = raw.hints or {}
    candidates = [
        (hints.get("outlet"), "hint"),
        (found.byline_outlet, "byline"),
        (found.syndication_outlet, "syndication-footer"),
        (getattr(meta, "site_name", None), "site-name"),
        (found.copyright_outlet or getattr(meta, "copyright_outlet", None), "copyright"),
        (outlet_from_url(raw.url), "url-domain"),
        (found.wire_outlet, "wire-dateline"),
    ]
    for name, origin in candidates:
        if name and str(name).strip():
            return str(name).strip(), origin
    return None, None

