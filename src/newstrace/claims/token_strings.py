"""Token strings as the attribution tagger reads them: a doc's columns, a string hash's text
(remembered once a process), and whether a token sits inside a quotation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: What the attribution tagger reads of each token (:func:`feature_columns`).
FEATURE_COLUMNS = ("HEAD", "LEMMA", "POS", "TAG", "DEP", "SHAPE", "ENT_TYPE", "SENT_START",
                   "IS_TITLE", "LOWER")

#: The parts of speech of a verb.
VERBAL = ("VERB", "AUX")

OPENING = {"“", "«", "„"}
CLOSING = {"”", "»"}
STRAIGHT = {'"'}


def feature_columns(doc: Any) -> Any:
    """The doc's :data:`FEATURE_COLUMNS`, one row a token (uint64: heads relative)."""
    return doc.to_array(list(FEATURE_COLUMNS))


def in_quotation(words: Sequence[str]) -> list[bool]:
    """Whether each token (by its text) lies inside a quotation (curly marks nest,
    straight ones toggle).

    >>> in_quotation(["He", "said", "“", "no", "”", "."])
    [False, False, True, True, False, False]
    """
    inside, depth, straight = [], 0, False
    for text in words:
        if text in OPENING:
            depth += 1
        elif text in CLOSING:
            depth = max(0, depth - 1)
        elif text in STRAIGHT:
            straight = not straight
        inside.append(depth > 0 or straight)
    return inside


#: string hash -> the string (lemmas, labels...), and lower-cased
_STRINGS: tuple[dict[int, str], dict[int, str]] = ({}, {})


def token_strings(vocab: Any, hashes: list[int], lower: bool = False) -> list[str]:
    """The strings of ``hashes``, looked up once per process (and lower-cased if asked)."""
    table = _STRINGS[lower]
    out = list(map(table.get, hashes))
    if None in out:
        if len(table) > 1_000_000:  # a bound for long-running servers
            table.clear()
        for n, (h, text) in enumerate(zip(hashes, out, strict=True)):
            if text is None:
                text = vocab.strings[h] if h else ""
                out[n] = table[h] = text.lower() if lower else text
    return out
