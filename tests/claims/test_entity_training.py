"""Training the distilled entity tagger on the recogniser's own (silver) labels."""

from __future__ import annotations

from pathlib import Path

from newstrace.claims import training


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
