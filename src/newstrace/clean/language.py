"""Language identification with py3langid (offline model shipped in the wheel).

>>> detect_language("The government said on Monday that the talks would resume next week.")
'en'
>>> detect_language("Hi") is None
True
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["MIN_CHARS", "detect_language"]

#: Below this many letters langid guesses wildly, so we say "unknown" instead.
MIN_CHARS = 40
#: Normalised probability under which the answer is not trusted.
MIN_PROB = 0.5


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``, or None when too short or uncertain."""
    letters = sum(ch.isalpha() for ch in text[:5000])
    if letters < MIN_CHARS:
        return None
    lang, prob = _identifier().classify(text[:5000])
    return lang if prob >= MIN_PROB else None
