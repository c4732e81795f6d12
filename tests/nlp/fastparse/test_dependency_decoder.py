"""The batched decoder gives spaCy's own dependency parse, arc for arc."""

from __future__ import annotations

import pytest

from newstrace.nlp.fastparse import dependency_decoder, pipeline
from newstrace.nlp.fastparse.dependency_decoder import NAME

TEXTS = [
    "There is a plan. There are two. I'm gonna go, y'all, and we gotta win; let's go.",
    "He ain't here, but she said: “We won't.” C'mon, it's nothin'.",
    "Wang  Wenbin said  China\tdoes not sell arms.   Spaces   everywhere.",
    "Biden",
    "   ",
    "",  # an empty doc: nothing to decode
    "The sources, who spoke on condition of anonymity because they were not authorized to "
    "discuss the matter, said that the talks, which began in March and were expected to end "
    "in May, had stalled after the two sides failed to agree on the terms of a ceasefire, "
    "the withdrawal of troops, the exchange of prisoners and the future of the region.",
]


def _parse(doc) -> list[tuple]:
    return [(t.i, t.head.i, t.dep_, t.is_sent_start, t.left_edge.i, t.right_edge.i)
            for t in doc]


@pytest.mark.parametrize("long", [80, 0, 10_000])  # the usual split, all spaCy, all arrays
def test_batched_decoding_gives_the_parsers_arcs(reference, seed_paragraphs, monkeypatch,
                                                 long) -> None:
    monkeypatch.setattr(dependency_decoder, "LONG", long)
    ours = pipeline("spacy", accelerate=True)
    assert NAME in ours.pipe_names and "parser" not in ours.pipe_names
    texts = TEXTS + seed_paragraphs
    expected = [_parse(d) for d in reference.pipe(texts)]
    for batch_size in (256, 8, 3):
        got = [_parse(d) for d in ours.pipe(texts, batch_size=batch_size)]
        assert got == expected, batch_size
    assert [_parse(ours(t)) for t in TEXTS] == expected[: len(TEXTS)]


def test_preset_sentence_starts_are_respected(reference) -> None:
    # a token marked as unable to start a sentence, another as starting one
    ours = pipeline("spacy", accelerate=True)
    text = "He left. She stayed and then she said nothing more. They went home"
    docs = []
    for model in (ours, reference):
        doc = model.make_doc(text)
        doc[3].is_sent_start = False
        doc[4].is_sent_start = True
        for _name, component in model.pipeline:
            doc = component(doc)
        docs.append(doc)
    assert _parse(docs[0]) == _parse(docs[1])
