"""A learned attribution tagger: every token labelled source, cue, content or nothing.

PolNeAR's annotation is univocal: each token belongs to at most one attribution, in one
role. An article's attributions are therefore a tag sequence (``B-Cue``, ``I-Content``,
``O``...), which a linear-chain CRF learns well from words, lemmas, parts of speech, the
dependency path to the governing verb and whether a token sits inside a quotation.
The model is trained on PolNeAR's train split (:mod:`newstrace.claims.training`) and
ships with the package (6 MB); :mod:`newstrace.claims.attribution` turns its spans into
attributions. On PolNeAR dev, the attributions it yields reach source, cue and content
overlap F1 0.784, 0.773 and 0.809 (``benchmarks/claims_polnear.py``).

>>> from newstrace.claims.parsing import parse_many
>>> doc = parse_many(["Three sources told CNN that China is considering it."])[0][0].doc
>>> [(role, doc[start:end].text) for role, start, end in tag_spans(doc)]
[('Source', 'Three sources'), ('Cue', 'told'), ('Content', 'that China is considering it')]
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

ROLES = ("Source", "Cue", "Content")
MODEL = Path(__file__).with_name("models") / "attribution.crfsuite"

_OPENING = {"“", "«", "„"}
_CLOSING = {"”", "»"}
_STRAIGHT = {'"'}


def _in_quotation(doc: Any) -> list[bool]:
    """Whether each token lies inside a quotation (curly marks nest, straight ones toggle)."""
    inside, depth, straight = [], 0, False
    for token in doc:
        text = token.text
        if text in _OPENING:
            depth += 1
        elif text in _CLOSING:
            depth = max(0, depth - 1)
        elif text in _STRAIGHT:
            straight = not straight
        inside.append(depth > 0 or straight)
    return inside


def _governing_verbs(token: Any, limit: int = 2) -> list[tuple[str, str]]:
    """(relation of the branch, verb lemma) for the nearest ``limit`` verbs above a token:
    the subject of "said" gives ``("nsubj", "say")``, a word of its complement ``("ccomp",
    "say")``."""
    found: list[tuple[str, str]] = []
    child, head = token, token.head
    while head.i != child.i and len(found) < limit:  # the root is its own head
        if head.pos_ in ("VERB", "AUX"):
            found.append((child.dep_, head.lemma_.lower()))
        child, head = head, head.head
    return found


def paragraph_features(doc: Any) -> list[list[str]]:
    """The CRF's features of every token of a parsed paragraph."""
    lower = [t.lower_ for t in doc]
    lemma = [t.lemma_.lower() for t in doc]
    pos = [t.pos_ for t in doc]
    dep = [t.dep_ for t in doc]
    quoted = _in_quotation(doc)
    n = len(doc)
    features: list[list[str]] = []
    for i, token in enumerate(doc):
        head = token.head
        f = [
            "b",
            "w=" + lower[i],
            "l=" + lemma[i],
            "p=" + pos[i],
            "t=" + token.tag_,
            "d=" + dep[i],
            "dl=" + dep[i] + ">" + head.lemma_.lower(),
            "hp=" + head.pos_,
            "lp=" + lemma[i] + "/" + pos[i],
            "s3=" + lower[i][-3:],
            "sh=" + token.shape_[:4],
            "e=" + token.ent_type_,
            "q=" + ("1" if quoted[i] else "0"),
        ]
        if token.is_sent_start:
            f.append("first")
        if i + 1 == n or doc[i + 1].is_sent_start:
            f.append("last")
        if token.is_title:
            f.append("title")
        if pos[i] in ("VERB", "AUX"):
            f.extend("c=" + c.dep_ for c in token.children)
        for depth, (relation, verb) in enumerate(_governing_verbs(token), start=1):
            f.append(f"g{depth}={relation}>{verb}")
            f.append(f"g{depth}r={relation}")
            f.append(f"g{depth}v={verb}")
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < n:
                f.append(f"{offset}w={lower[j]}")
                f.append(f"{offset}p={pos[j]}")
                f.append(f"{offset}q={'1' if quoted[j] else '0'}")
            else:
                f.append(f"{offset}w=<edge>")
        if i + 1 < n:
            f.append(f"bi={lower[i]}_{lower[i + 1]}")
        if i > 0:
            f.append(f"-bi={lower[i - 1]}_{lower[i]}")
        features.append(f)
    return features


@cache
def _model() -> Any:
    import pycrfsuite

    if not MODEL.is_file():
        raise FileNotFoundError(
            f"attribution model missing at {MODEL}: python -m newstrace.claims.training")
    tagger = pycrfsuite.Tagger()
    tagger.open(str(MODEL))
    return tagger


def tag(doc: Any) -> list[str]:
    """BIO labels of a parsed paragraph's tokens (``B-Source``, ``I-Cue``, ``O``...)."""
    if len(doc) == 0:
        return []
    return list(_model().tag(paragraph_features(doc)))


def spans_of(labels: list[str]) -> list[tuple[str, int, int]]:
    """(role, start token, end token) runs of BIO labels; a stray ``I-`` opens a span.

    >>> spans_of(["B-Source", "I-Source", "B-Cue", "O", "I-Content", "I-Content"])
    [('Source', 0, 2), ('Cue', 2, 3), ('Content', 4, 6)]
    """
    spans: list[tuple[str, int, int]] = []
    role, start = None, 0
    for i, label in enumerate([*labels, "O"]):
        kind, _, name = label.partition("-")
        if role is not None and (kind != "I" or name != role):
            spans.append((role, start, i))
            role = None
        if kind in ("B", "I") and role is None:
            role, start = name, i
    return spans


def tag_spans(doc: Any) -> list[tuple[str, int, int]]:
    """(role, start token, end token) of every source, cue and content in a paragraph."""
    return spans_of(tag(doc))
