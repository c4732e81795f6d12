"""What changed between aligned sentences: numbers, names, dates, negation, hedging,
qualifiers and meaning; plus sentences omitted from or added by the copy.

>>> [c["type"] for c in sentence_changes(0, "The deal cost 100 dollars.", 0,
...                                      "The deal did not cost 1000 dollars.")]
['number', 'negation']
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from rapidfuzz import fuzz

from newstrace.nlp.lexicon import FUNCTION_WORDS as STOPWORDS
from newstrace.nlp.lexicon import MONTHS, WEEKDAYS

NEGATIONS = {
    "not",
    "no",
    "never",
    "none",
    "nor",
    "neither",
    "without",
    "nothing",
    "n't",
    "cannot",
    "denied",
    "denies",
}
HEDGES = {
    "may",
    "might",
    "could",
    "likely",
    "unlikely",
    "reportedly",
    "allegedly",
    "possibly",
    "probably",
    "perhaps",
    "apparently",
    "appears",
    "appear",
    "seems",
    "seem",
    "suggest",
    "suggests",
    "considering",
    "potential",
    "possible",
    "believes",
    "believe",
    "estimated",
    "approximately",
    "about",
    "around",
    "roughly",
    "nearly",
    "almost",
    "leaning",
}
QUALIFIER_SUFFIXES = ("ly", "ous", "ful", "ive", "less", "able", "ible", "ic", "al")
NOT_QUALIFIERS = {
    "supply",
    "family",
    "italy",
    "rally",
    "reply",
    "assembly",
    "july",
    "ally",
    "only",
    "early",
    "daily",
    "weekly",
    "monthly",
    "apply",
    "multiply",
    "fly",
    "official",
    "officials",
    "general",
    "national",
    "international",
    "capital",
    "political",
    "critical",
    "chemical",
    "medical",
    "public",
    "republic",
    "arsenal",
    "approval",
    "proposal",
    "arrival",
    "survival",
    "rival",
    "trial",
    "deal",
    "appeal",
    "signal",
    "total",
    "local",
    "missile",
    "hostile",
}
QUALIFIERS = {
    "deadly",
    "lethal",
    "significant",
    "significantly",
    "major",
    "minor",
    "serious",
    "small",
    "large",
    "larger",
    "smaller",
    "highly",
    "very",
    "strongly",
    "sharply",
    "only",
    "all",
    "some",
    "many",
    "few",
    "several",
    "dozens",
    "hundreds",
    "thousands",
}

_TOKEN = re.compile(r"\d[\d,.]*%?|[^\W\d_]+(?:[’'][^\W\d_]+)?", re.UNICODE)
_NUMBER = re.compile(r"^\d[\d,.]*%?$")


def tokens(sentence: str) -> list[str]:
    return _TOKEN.findall(sentence)


def _numbers(toks: list[str]) -> list[str]:
    return [t.rstrip(".,") for t in toks if _NUMBER.match(t)]


def _names(toks: list[str]) -> list[str]:
    """Capitalised words that are not the first word (proper nouns, roughly), sans possessive."""
    names = []
    for i, t in enumerate(toks):
        t = re.sub(r"[’']s$", "", t)
        if (
            i
            and t[:1].isupper()
            and t.lower() not in STOPWORDS
            and t.lower() not in MONTHS
            and t.lower() not in WEEKDAYS
        ):
            names.append(t)
    return names


def _same_name(a: str, b: str) -> bool:
    """China/Chinese, Russia/Russian: one word, two forms (a shared stem of 5+ letters)."""
    a, b = a.lower(), b.lower()
    stem = 0
    while stem < min(len(a), len(b)) and a[stem] == b[stem]:
        stem += 1
    return stem >= 5 or (stem >= 4 and min(len(a), len(b)) <= 6)


def _mentioned(name: str, sentence: str, names: list[str]) -> bool:
    """Whether ``name`` is in ``sentence`` in some form (inflected, or as an acronym's words)."""
    if name.lower() in sentence.lower() or any(_same_name(name, n) for n in names):
        return True
    if name.isupper() and 2 <= len(name) <= 5:  # US ~ United States
        initials = "".join(n[0] for n in names if n[:1].isupper())
        return name.rstrip("S") in initials or name in initials
    return False


def _dates(toks: list[str]) -> list[str]:
    lower = [t.lower() for t in toks]
    return [t for t in lower if t in MONTHS or t in WEEKDAYS or re.fullmatch(r"(19|20)\d\d", t)]


def _diff(a: list[str], b: list[str]) -> tuple[list[str], list[str]]:
    removed = [x for x in a if x not in b]
    added = [x for x in b if x not in a]
    return removed, added


def _change(
    kind: str, oi: int, o: str, ci: int, c: str, frm: Any, to: Any, **extra: Any
) -> dict[str, Any]:
    return {
        "type": kind,
        "original_index": oi,
        "copy_index": ci,
        "original": o,
        "copy": c,
        "from": frm,
        "to": to,
        **extra,
    }


def sentence_changes(oi: int, original: str, ci: int, copy: str) -> list[dict[str, Any]]:
    """Typed changes between two aligned sentences (meaning changes are found by the index)."""
    o_tok, c_tok = tokens(original), tokens(copy)
    out: list[dict[str, Any]] = []
    removed, added = _diff(_numbers(o_tok), _numbers(c_tok))
    if removed or added:
        out.append(_change("number", oi, original, ci, copy, removed, added))
    o_names, c_names = _names(o_tok), _names(c_tok)
    removed, added = _diff(o_names, c_names)
    removed = [n for n in removed if not _mentioned(n, copy, c_names)]
    added = [n for n in added if not _mentioned(n, original, o_names)]
    # an acronym on one side spelled out on the other (US / United States)
    for acronym in {n for n in o_names + c_names if n.isupper() and 2 <= len(n) <= 5}:
        for side in (removed, added):
            spelled = [n for n in side if n[:1] in acronym and not n.isupper()]
            if len(spelled) >= 2 and "".join(n[0] for n in spelled) in acronym:
                side[:] = [n for n in side if n not in spelled]
    if removed or added:
        garbled = [[r, a] for r in removed for a in added if fuzz.ratio(r, a) >= 70]
        out.append(
            _change(
                "name",
                oi,
                original,
                ci,
                copy,
                removed,
                added,
                **({"garbled": garbled} if garbled else {}),
            )
        )
    removed, added = _diff(_dates(o_tok), _dates(c_tok))
    if removed or added:
        out.append(_change("date", oi, original, ci, copy, removed, added))
    o_low, c_low = [t.lower() for t in o_tok], [t.lower() for t in c_tok]
    o_neg = sum(t in NEGATIONS or t.endswith("n't") for t in o_low)
    c_neg = sum(t in NEGATIONS or t.endswith("n't") for t in c_low)
    if o_neg != c_neg:
        out.append(
            _change(
                "negation",
                oi,
                original,
                ci,
                copy,
                o_neg,
                c_neg,
                direction="added" if c_neg > o_neg else "dropped",
            )
        )
    removed, added = _diff(_quotations(original), _quotations(copy))
    if added or removed:  # words put in someone's mouth, or a quotation made indirect
        out.append(_change("quotation", oi, original, ci, copy, removed, added,
                           direction="reworded" if added and removed
                           else "added" if added else "dropped"))
    removed, added = _diff([t for t in o_low if t in HEDGES], [t for t in c_low if t in HEDGES])
    if removed or added:
        out.append(_change("hedging", oi, original, ci, copy, removed, added))
    removed, added = _diff(
        [t for t in o_low if _is_qualifier(t)], [t for t in c_low if _is_qualifier(t)]
    )
    removed = [t for t in removed if t not in HEDGES]
    added = [t for t in added if t not in HEDGES]
    if removed or added:
        out.append(_change("qualifier", oi, original, ci, copy, removed, added))
    return out


#: a quoted passage: “...”, "...", «...» of three words or more (not a scare-quoted term)
_QUOTED = re.compile(r"[“\"«]([^”\"»\s]+(?:\s+[^”\"»\s]+){2,})[”\"»]")


def _quotations(sentence: str) -> list[str]:
    """The passages a sentence quotes, compared by their words.

    >>> _quotations('The sources added, “It does not seem that Beijing has decided.”')
    ['it does not seem that beijing has decided']
    >>> _quotations("It appears that Beijing has not yet made a final decision.")
    []
    """
    return [" ".join(t.lower() for t in tokens(m.group(1))) for m in _QUOTED.finditer(sentence)]


def _is_qualifier(token: str) -> bool:
    if token in NOT_QUALIFIERS or token in STOPWORDS:
        return False
    return token in QUALIFIERS or (len(token) > 5 and token.endswith(QUALIFIER_SUFFIXES))


#: words that move a sentence along without saying anything: "the sources said" -> "yet"
_DISCOURSE = frozenset({"yet", "still", "also", "already", "even", "just", "now", "then",
                        "however", "though", "meanwhile", "moreover", "furthermore"})


def replaced_phrases(original: str, copy: str, max_words: int = 4) -> list[tuple[str, str]]:
    """Short content-word phrases the copy put in place of the original's.

    >>> replaced_phrases("over the price and size of the equipment",
    ...                  "over the price and quality of the equipment")
    [('size', 'quality')]
    """
    raw_a, raw_b = tokens(original), tokens(copy)
    a, b = [t.lower() for t in raw_a], [t.lower() for t in raw_b]
    pairs = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "replace" or i2 - i1 > max_words or j2 - j1 > max_words:
            continue
        # a real substitution sits in shared context: the same word before and after it
        before = i1 > 0 and j1 > 0 and a[i1 - 1] == b[j1 - 1]
        after = i2 < len(a) and j2 < len(b) and a[i2] == b[j2]
        if not (before and after):
            continue
        left = [t for t in a[i1:i2] if t not in STOPWORDS and t not in _DISCOURSE]
        right = [t for t in b[j1:j2] if t not in STOPWORDS and t not in _DISCOURSE]
        names = any(t[:1].isupper() for t in raw_a[i1:i2] + raw_b[j1:j2])
        if left and right and not names and not _NUMBER.match(left[0]):
            pairs.append((" ".join(left), " ".join(right)))
    return pairs
