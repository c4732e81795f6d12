"""The distilled entity tagger: the parse's default recogniser, its training, the switch."""

from __future__ import annotations

from pathlib import Path

import pytest

from newstrace.claims import entity_tagger, training
from newstrace.claims.parsing import ENTITY_DECODER, ENTITY_TAGGER, nlp, paragraphs, parse_many
from newstrace.claims.tagger import spans_of


def test_the_parse_runs_the_recogniser_or_the_tagger() -> None:
    fast = nlp("crf")
    assert ENTITY_TAGGER in fast.pipe_names and "ner" not in fast.pipe_names
    full = nlp("spacy")  # the model's recogniser, decoded a batch at a time
    assert ENTITY_DECODER in full.pipe_names and ENTITY_TAGGER not in full.pipe_names
    assert nlp() is full  # the default, unless the entities setting says otherwise
    with pytest.raises(ValueError, match="NEWSTRACE_ENTITIES"):
        nlp("stanza")


def test_tagger_finds_people_organisations_and_places() -> None:
    doc = parse_many(["Foreign Ministry spokesman Wang Wenbin told reporters in Beijing "
                      "that Russian officials met Antony Blinken."], entities="crf")[0][0].doc
    ents = {e.text: e.label_ for e in doc.ents}
    assert ents["Wang Wenbin"] == "PERSON"
    assert ents["Antony Blinken"] == "PERSON"
    assert ents["Beijing"] == "GPE"
    assert ents["Russian"] == "NORP"
    assert set(ents.values()) <= set(entity_tagger.LABELS)


def test_silver_labels_keep_only_the_learned_types() -> None:
    doc = nlp("spacy")("Joe Biden spoke on Monday in Ohio.")
    labels = entity_tagger.silver_labels(doc)
    assert spans_of(labels) == [("PERSON", 0, 2), ("GPE", 6, 7)]  # Monday (DATE) left out


def test_features_carry_no_entity_information() -> None:
    text = "Joe Biden spoke in Ohio."
    with_recogniser = nlp("spacy")(text)
    with_tagger = nlp("crf")(text)
    assert entity_tagger.token_features(with_recogniser) == entity_tagger.token_features(
        with_tagger)


def test_entity_training_reads_silver_labels(tmp_path: Path) -> None:
    split = tmp_path / "train"
    (split / "text").mkdir(parents=True)
    (split / "text" / "a.txt").write_text("Joe Biden met Emmanuel Macron in Paris.\n\n"
                                          "The Pentagon said nothing.")
    data = training.entity_sequences(split)
    assert len(data) == 2
    features, labels = data[0]
    assert len(features) == len(labels)
    assert labels[:2] == ["B-PERSON", "I-PERSON"]
    model = tmp_path / "e.crfsuite"
    training.train(data, model, iterations=10, min_freq=1)
    assert model.stat().st_size > 0


@pytest.mark.slow
def test_tagger_agrees_with_the_recogniser_on_unseen_news(shared_data: Path) -> None:
    """A regression guard on PolNeAR dev (never trained on): 0.86 F1 when shipped."""
    texts = [p.read_text() for p in sorted((shared_data / "polnear/dev/text").glob("*.txt"))[:20]]
    flat = [p for t in texts for _, p in paragraphs(t)]
    hit = found = wanted = 0
    for ref, ours in zip(nlp("spacy").pipe(flat), nlp("crf").pipe(flat), strict=True):
        want = set(spans_of(entity_tagger.silver_labels(ref)))
        got = {(e.label_, e.start, e.end) for e in ours.ents}
        hit, found, wanted = hit + len(want & got), found + len(got), wanted + len(want)
    precision, recall = hit / found, hit / wanted
    assert 2 * precision * recall / (precision + recall) > 0.8
