"""Paragraphs of an article's text, and a parsed paragraph with its offset into the text.

spaCy's small English model's sentence segmenter misses blank-line paragraph breaks, so
each paragraph is parsed on its own (:func:`newstrace.nlp.fastparse.parse`) and its
spans are shifted back by the paragraph's offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")


@dataclass(slots=True)
class Paragraph:
    """A parsed paragraph: where it starts in the article's text, and its spaCy doc."""

    offset: int
    doc: Any  # spacy.tokens.Doc


def paragraphs(text: str) -> list[tuple[int, str]]:
    """(offset, text) of every paragraph: runs of non-blank lines.

    >>> paragraphs("One.\\n\\nTwo two.")
    [(0, 'One.'), (6, 'Two two.')]
    """
    return [(m.start(), m.group(0)) for m in _PARAGRAPH.finditer(text) if m.group(0).strip()]
