"""Split article text into sentences: paragraphs first, then sentence punctuation.

spaCy's small English senter misses paragraph breaks and is monolingual; news
text keeps one idea per paragraph, so paragraphs are split first, then on
sentence-final punctuation not preceded by a known abbreviation.

>>> split_sentences("U.S. officials said so. Mr. Wang denied it.\\n\\nNew paragraph")
['U.S. officials said so.', 'Mr. Wang denied it.', 'New paragraph']
>>> split_sentences("他说：“不。”俄罗斯否认了。")
['他说：“不。”', '俄罗斯否认了。']
"""

from __future__ import annotations

import re

ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "sen",
    "rep",
    "gov",
    "pres",
    "st",
    "jr",
    "sr",
    "inc",
    "ltd",
    "co",
    "corp",
    "no",
    "vs",
    "etc",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "u.n",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
    "approx",
    "dept",
    "est",
    "fig",
    "mt",
    "ft",
}
# A sentence ends at . ! ? (or CJK 。！？) plus closing quotes/brackets, before a space
# or the end; CJK punctuation needs no space after it.
_END = re.compile(
    r"""([.!?…]+["'”’»)\]]*)(\s+)(?=["'“‘«(\[]?[A-Z0-9À-ÖØ-ÞА-ЯЁ])|([。！？]+["”’」』）]*)"""
)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, stripped, without empty ones."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        start = 0
        for match in _END.finditer(paragraph):
            end = match.end(1) if match.group(1) else match.end(3)
            candidate = paragraph[start:end].strip()
            last_word = candidate.rsplit(None, 1)[-1].rstrip(".!?").lower() if candidate else ""
            if match.group(1) and (last_word in ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word)):
                continue  # "U.S. officials", "Mr. Wang", "J. Smith"
            if candidate:
                sentences.append(candidate)
            start = end
        rest = paragraph[start:].strip()
        if rest:
            sentences.append(rest)
    return sentences
