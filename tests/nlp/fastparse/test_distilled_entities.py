"""The distilled entity tagger: the recogniser it replaces, the switch between them."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from newstrace.nlp.crf import spans_of
from newstrace.nlp.fastparse import distilled_entities, entity_decoder, paragraphs, parse
from newstrace.nlp.fastparse import pipeline as any_pipeline

pipeline = partial(any_pipeline, accelerate=True)


def test_the_parse_runs_the_recogniser_or_the_tagger() -> None:
    fast = pipeline("crf")
    assert distilled_entities.NAME in fast.pipe_names and "ner" not in fast.pipe_names
    full = pipeline("spacy")  # the model's recogniser, decoded a batch at a time
    assert entity_decoder.NAME in full.pipe_names
    assert distilled_entities.NAME not in full.pipe_names
    assert pipeline() is full  # the default, unless the entities setting says otherwise
    with pytest.raises(ValueError, match="NEWSTRACE_ENTITIES"):
        pipeline("stanza")


def test_the_plain_pipeline_runs_the_models_own_recogniser() -> None:
    plain = any_pipeline("crf", accelerate=False)
    assert plain is any_pipeline("spacy", accelerate=False)
    assert plain.pipe_names[-1] == "ner"


def test_tagger_finds_people_organisations_and_places() -> None:
    doc = parse(["Foreign Ministry spokesman Wang Wenbin told reporters in Beijing "
                 "that Russian officials met Antony Blinken."], entities="crf",
                accelerate=True)[0][0].doc
    ents = {e.text: e.label_ for e in doc.ents}
    assert ents["Wang Wenbin"] == "PERSON"
    assert ents["Antony Blinken"] == "PERSON"
    assert ents["Beijing"] == "GPE"
    assert ents["Russian"] == "NORP"
    assert set(ents.values()) <= set(distilled_entities.LABELS)


def test_silver_labels_keep_only_the_learned_types() -> None:
    doc = pipeline("spacy")("Joe Biden spoke on Monday in Ohio.")
    labels = distilled_entities.silver_labels(doc)
    assert spans_of(labels) == [("PERSON", 0, 2), ("GPE", 6, 7)]  # Monday (DATE) left out


def test_features_carry_no_entity_information() -> None:
    text = "Joe Biden spoke in Ohio."
    with_recogniser = pipeline("spacy")(text)
    with_tagger = pipeline("crf")(text)
    assert distilled_entities.token_features(with_recogniser) == (
        distilled_entities.token_features(with_tagger))


@pytest.mark.slow
def test_tagger_agrees_with_the_recogniser_on_unseen_news(shared_data: Path) -> None:
    """A regression guard on PolNeAR dev (never trained on): 0.86 F1 when shipped."""
    texts = [p.read_text() for p in sorted((shared_data / "polnear/dev/text").glob("*.txt"))[:20]]
    flat = [p for t in texts for _, p in paragraphs(t)]
    hit = found = wanted = 0
    for ref, ours in zip(pipeline("spacy").pipe(flat), pipeline("crf").pipe(flat), strict=True):
        want = set(spans_of(distilled_entities.silver_labels(ref)))
        got = {(e.label_, e.start, e.end) for e in ours.ents}
        hit, found, wanted = hit + len(want & got), found + len(got), wanted + len(want)
    precision, recall = hit / found, hit / wanted
    assert 2 * precision * recall / (precision + recall) > 0.8
