"""The batched decoder gives spaCy's own recogniser's entities, entity for entity."""

from __future__ import annotations

from newstrace.nlp.fastparse import pipeline
from newstrace.nlp.fastparse.entity_decoder import NAME

TEXTS = [
    "Foreign Ministry spokesman Wang Wenbin said on Monday that China had not supplied "
    "weapons to Russia. Der Spiegel first reported the talks with Xi'an Bingo Intelligent "
    "Aviation Technology.",
    "Jen Psaki told CNN. The White House\n\nsaid nothing.  New York   City was quiet.",
    "Biden",  # a one-token paragraph: a unit entity or nothing
    "   ",  # whitespace only
    "",  # an empty doc: nothing to decode
    "The U.S. Department of State and the European Union met in Brussels on Feb. 24, 2023, "
    "at 10 a.m., with 3,000 people and $5 million at stake.",
]


def _entities(doc) -> list[tuple[int, int, str, str]]:
    return [(t.i, t.ent_iob, t.ent_type_, t.ent_iob_) for t in doc]


def test_batched_decoding_gives_the_recognisers_entities(reference, seed_paragraphs
                                                        ) -> None:
    ours = pipeline("spacy", accelerate=True)
    assert NAME in ours.pipe_names and "ner" not in ours.pipe_names
    texts = TEXTS + seed_paragraphs
    expected = [_entities(d) for d in reference.pipe(texts)]
    assert sum(1 for e in expected for t in e if t[3] == "B") > 100  # a real test
    # small batches: several groups per batch, groups of uneven lengths
    for batch_size in (256, 8, 3):
        got = [_entities(d) for d in ours.pipe(texts, batch_size=batch_size)]
        assert got == expected, batch_size
    assert [_entities(ours(t)) for t in TEXTS] == expected[: len(TEXTS)]


def test_preset_entities_are_left_to_the_recogniser(reference) -> None:
    from spacy.tokens import Span

    ours = pipeline("spacy", accelerate=True)
    decoder = ours.get_pipe(NAME)
    before = ours.pipe_names[: ours.pipe_names.index(NAME)]
    text = "Wang Wenbin told Der Spiegel that Beijing was calm."
    docs = []
    for _ in range(2):
        doc = ours(text, disable=[NAME])
        doc.set_ents([Span(doc, 3, 5, label="ORG")], default="unmodified")  # preset
        docs.append(doc)
    assert before  # the decoder runs after the parse
    got = next(iter(decoder.pipe([docs[0]])))
    expected = reference.get_pipe("ner")(docs[1])
    assert [(e.text, e.label_) for e in got.ents] == [(e.text, e.label_) for e in expected.ents]
    assert ("Der Spiegel", "ORG") in [(e.text, e.label_) for e in got.ents]
