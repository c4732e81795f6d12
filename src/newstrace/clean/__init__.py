"""Clean: main text without boilerplate, and the article's metadata.

    >>> from newstrace.records import RawDocument
    >>> art = clean_document(RawDocument("a.txt", b"Title\n\nBody text here.", "text"))
    >>> art.title
    'Title'
"""

from __future__ import annotations

from newstrace.records import Article, RawDocument, article_id

__all__ = ["CleaningError", "clean_document"]


class CleaningError(ValueError):
    """The document holds no usable article (empty, binary, no main text)."""


def clean_document(raw: RawDocument) -> Article:
    content = raw.content
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    text = text.strip()
    if not text:
        raise CleaningError("no text")
    title = text.split("\n", 1)[0].strip() or None
    return Article(id=article_id(text, raw.url), source=raw.source, text=text, url=raw.url,
                   title=title)
