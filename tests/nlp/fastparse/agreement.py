"""Comparing two parses of the same texts, attribute by attribute (the plain and the
accelerated pipeline's, a fallen-back one's)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from newstrace.nlp.paragraphs import Paragraph

#: What is compared of every token.
ATTRIBUTES: dict[str, Callable[[Any], Any]] = {
    "sentence starts": lambda t: bool(t.is_sent_start),
    "pos": lambda t: t.pos_,
    "tag": lambda t: t.tag_,
    "morph": lambda t: str(t.morph),
    "lemma": lambda t: t.lemma_,
    "head": lambda t: t.head.i,
    "dep": lambda t: t.dep_,
}


@dataclass
class Agreement:
    tokens: int = 0
    same: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ATTRIBUTES, 0))
    entities: tuple[int, int, int] = (0, 0, 0)  # shared, ours, theirs

    def share(self, attribute: str) -> float:
        return self.same[attribute] / max(self.tokens, 1)

    @property
    def entity_f1(self) -> float:
        shared, ours, theirs = self.entities
        return 1.0 if ours == theirs == 0 else 2 * shared / (ours + theirs)


def agreement(ours: list[list[Paragraph]], theirs: list[list[Paragraph]]) -> Agreement:
    """How far two parses of the same texts agree; the tokens themselves must be the
    same (an AssertionError otherwise: nothing else is comparable)."""
    result = Agreement()
    shared = found = wanted = 0
    assert len(ours) == len(theirs)
    for mine, other in zip(ours, theirs, strict=True):
        assert [p.offset for p in mine] == [p.offset for p in other]
        for a, b in zip(mine, other, strict=True):
            assert [(t.text, t.idx, t.whitespace_) for t in a.doc] == [
                (t.text, t.idx, t.whitespace_) for t in b.doc]
            result.tokens += len(a.doc)
            for name, read in ATTRIBUTES.items():
                result.same[name] += sum(read(x) == read(y)
                                         for x, y in zip(a.doc, b.doc, strict=True))
            got = {(e.start, e.end, e.label_) for e in a.doc.ents}
            want = {(e.start, e.end, e.label_) for e in b.doc.ents}
            shared, found, wanted = shared + len(got & want), found + len(got), wanted + len(want)
    result.entities = (shared, found, wanted)
    return result
