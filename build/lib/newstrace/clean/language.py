"""Language identification with py3langid (offline model shipped in the wheel).

>>> detect_language("The government said on Monday that the talks would resume next week.")
'en'
>>> detect_language("Hi") is None
True
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["MIN_CHARS", "detect_language"]

#: Below this many letters langid guesses wildly, so we say "unknown" instead.
MIN_CHARS = 40
#: langid is linear in length (pure Python); 600 characters (~100 words) of news
#: prose identify the language as well as the whole text does.
SAMPLE_CHARS = 600
_NON_LETTERS = re.compile(r"[\W\d_]+")
#: Normalised probability under which the answer is not trusted.
MIN_PROB = 0.5


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``, or None when too short or uncertain."""
    sample = text[:SAMPLE_CHARS]
    if len(_NON_LETTERS.sub("", sample)) < MIN_CHARS:
        return None
    lang, prob = _identifier().classify(sample)
    return lang if prob >= MIN_PROB else None
