"""A fast named-entity tagger: a CRF distilled from the English model's own recogniser.

en_core_web_sm's entity recogniser runs its own token encoder (a second CNN beside the
one the tagger and parser share) and a transition loop (decoded a batch at a time,
:mod:`.entity_decoder`). With the ``entities`` setting at ``crf``
(``NEWSTRACE_ENTITIES=crf``) this component replaces it by a linear-chain CRF over
what the shared pipeline already gives (words, shapes, fine tags, dependency labels and
heads, neighbours), which costs less than the recogniser. It was trained on the
recogniser's own output ("silver" labels) over PolNeAR's train split
(:func:`newstrace.claims.training.entity_sequences`), for the types newstrace uses:
people, organisations, places (GPE, LOC, FAC), products and nationalities or groups
(NORP). Dates, numbers and the like are not tagged.

On PolNeAR dev (never trained on) its entities agree with the recogniser's on
0.86 F1 (exact spans and types; ``benchmarks/entities_agreement.py``). Some of the
differences are the recogniser's own slips ("Hillary Clinton ’s"), but the tagger
misses more long organisation names ("the Russian Defense Ministry") and mistypes
more names: the recogniser stays the default, and this tagger is for bulk corpora
where speed matters more. The attribution tagger does as well with either (PolNeAR
dev overlap F1 within 0.001).

It is a different model, not an acceleration of the recogniser: it runs only in the
accelerated pipeline (``accelerate=True``); the plain pipeline runs the model's own
recogniser whatever the setting says.

>>> from newstrace.nlp.fastparse import parse
>>> text = "Wang Wenbin of the Chinese Foreign Ministry spoke in Beijing."
>>> doc = parse([text], entities="crf", accelerate=True)[0][0].doc
>>> [(e.text, e.label_) for e in doc.ents]
[('Wang Wenbin', 'PERSON'), ('the Chinese Foreign Ministry', 'ORG'), ('Beijing', 'GPE')]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from spacy.language import Language

from newstrace.nlp.crf import crfsuite_tagger, neighbour_windows, spans_of
from newstrace.nlp.fastparse.checks import require
from newstrace.nlp.fastparse.model import TRAINED_MODELS

#: The component's name and factory in spaCy's registry.
NAME = "newstrace_distilled_entities"

#: The recogniser's labels this tagger learns (the rest of its 18 are left out).
LABELS = ("PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT", "NORP")
MODEL = TRAINED_MODELS / "entities.crfsuite"
#: What the tagger's features read, as spaCy's components declare what they assign.
READS = ("token.tag", "token.dep", "token.head", "token.is_sent_start")

_SHAPES: dict[str, str] = {}


def short_shape(word: str) -> str:
    """The shape of a word's first six characters, runs collapsed.

    >>> short_shape("McCain"), short_shape("ZT-180"), short_shape("U.S.")
    ('XxXx', 'X-d', 'X.X.')
    """
    shape = _SHAPES.get(word)
    if shape is None:
        out: list[str] = []
        for ch in word[:6]:
            c = "X" if ch.isupper() else "x" if ch.islower() else "d" if ch.isdigit() else ch
            if not out or out[-1] != c:
                out.append(c)
        shape = "".join(out)
        if len(_SHAPES) < 500_000:  # a bound for long-running servers
            _SHAPES[word] = shape
    return shape


def token_features(doc: Any) -> list[list[str]]:
    """The CRF's features of every token of a parsed paragraph (no entity information)."""
    n = len(doc)
    lower = [t.lower_ for t in doc]
    tag = [t.tag_ for t in doc]
    shape = [short_shape(t.text) for t in doc]
    windows = neighbour_windows((("w", lower), ("t", tag), ("s", shape)), "<e>")
    features: list[list[str]] = []
    for i, token in enumerate(doc):
        word = lower[i]
        f = ["b", "w=" + word, "s=" + shape[i], "t=" + tag[i], "d=" + token.dep_,
             "p3=" + word[:3], "x3=" + word[-3:], "x2=" + word[-2:], "wt=" + word + "/" + tag[i]]
        head = token.head.i
        f.append("h=" + lower[head])
        f.append("ht=" + tag[head])
        if token.is_sent_start:
            f.append("first")
        f.extend(windows[i])
        if i > 0:
            f.append(f"-b={lower[i - 1]}_{word}")
        if i + 1 < n:
            f.append(f"+b={word}_{lower[i + 1]}")
        features.append(f)
    return features


def silver_labels(doc: Any) -> list[str]:
    """BIO labels of the entities a doc carries (of :data:`LABELS`; the rest are ``O``)."""
    return [("B-" if t.ent_iob_ == "B" else "I-") + t.ent_type_ if t.ent_type_ in LABELS
            else "O" for t in doc]


def check_tagger(nlp: Any, replaced: str = "ner") -> Any:
    """CRFsuite's tagger of :data:`MODEL`, if the model is there with the labels of
    :data:`LABELS` and the pipeline gives the features it reads (fine tags and a
    dependency parse, before ``replaced``): :class:`~.checks.Unsupported` otherwise."""
    require(MODEL.is_file(), f"no model at {MODEL}")
    names = list(nlp.pipe_names)
    before = names[: names.index(replaced)] if replaced in names else names
    assigned = {a for n in before for a in nlp.get_pipe_meta(n).assigns}
    missing = sorted(set(READS) - assigned)
    require(not missing, f"the pipeline before {replaced!r} ({', '.join(before)}) "
            f"assigns no {', '.join(missing)}")
    tagger = crfsuite_tagger(MODEL)
    labels = set(tagger.labels())
    expected = {"O"} | {f"{p}-{label}" for p in "BI" for label in LABELS}
    require(labels <= expected, f"the model's labels {sorted(labels - expected)} are not "
            "of the types it was trained for")
    return tagger


class EntityTagger:
    """spaCy component: sets ``doc.ents`` from the distilled CRF's labels."""

    def __init__(self, tagger: Any = None) -> None:
        self.tagger = tagger if tagger is not None else crfsuite_tagger(MODEL)

    def __call__(self, doc: Any) -> Any:
        from spacy.tokens import Span

        if len(doc) == 0:
            return doc
        labels = self.tagger.tag(token_features(doc))
        doc.set_ents([Span(doc, start, end, label=label)
                      for label, start, end in spans_of(list(labels))], default="outside")
        return doc

    def pipe(self, docs: Iterable[Any], batch_size: int = 128) -> Iterator[Any]:
        for doc in docs:
            yield self(doc)


@Language.factory(NAME, default_config={"replaced": "ner"}, requires=list(READS),
                  assigns=["doc.ents", "token.ent_iob", "token.ent_type"])
def make_distilled_entities(nlp: Language, name: str, replaced: str) -> EntityTagger:
    """spaCy's factory: the distilled tagger, in place of the pipeline's ``replaced``."""
    return EntityTagger(check_tagger(nlp, replaced))
