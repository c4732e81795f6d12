"""The accelerated parse against spaCy's stock pipeline, on a fixed corpus.

The corpus: the four seed articles and the first 40 PolNeAR dev texts
(``../shared/data``), parsed with ``accelerate=True`` and ``accelerate=False`` and
``entities="spacy"`` (the "crf" choice is a different model). Compared: the tokens
(text, offset, whitespace: identical, or nothing else is comparable), then per token
the sentence starts, coarse and fine parts of speech, morphology, lemmas, dependency
heads and labels, and the entity spans (start, end, label).

Tolerances: each token attribute agrees on at least 99.9 % of the tokens, the entity
spans at F1 0.999 or more. Measured when written (spaCy 3.8.18, thinc 8.3.14): no
difference at all, on this corpus (47,842 tokens, 4,160 entities) as on all 84 dev
texts with the seeds (82,706 tokens, 7,184 entities). They are not asserted
bit for bit: the networks' float32 products differ in their last bits between BLAS
kernels (blis against numpy's OpenBLAS, one CPU against another), which may flip a
near-tie somewhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newstrace.nlp.fastparse import parse, pipeline
from tests.nlp.fastparse.agreement import ATTRIBUTES, agreement

SHARE, ENTITY_F1 = 0.999, 0.999
DEV_TEXTS = 40


@pytest.fixture(scope="module")
def corpus(seeds_dir: Path, shared_data: Path) -> list[str]:
    seeds = sorted(seeds_dir.glob("*.txt"))
    assert len(seeds) == 4
    dev = sorted((shared_data / "polnear" / "dev" / "text").glob("*.txt"))[:DEV_TEXTS]
    return [p.read_text(encoding="utf-8") for p in [*seeds, *dev]]


def test_accelerated_parse_agrees_with_spacys_stock_pipeline(corpus: list[str]) -> None:
    plain = pipeline("spacy", accelerate=False)
    assert plain.pipe_names == ["tok2vec", "tagger", "parser", "attribute_ruler",
                                "lemmatizer", "ner"]
    assert getattr(plain.get_pipe("tok2vec").model.ops, "use_blis", True)  # thinc's default
    accelerated = pipeline("spacy", accelerate=True)
    assert not {"parser", "attribute_ruler", "lemmatizer", "ner"} & set(
        accelerated.pipe_names)  # all replaced: the comparison tests something
    found = agreement(parse(corpus, entities="spacy", accelerate=True),
                      parse(corpus, entities="spacy", accelerate=False))
    assert found.tokens > 40_000
    assert found.entities[2] > 3_000
    for name in ATTRIBUTES:
        assert found.share(name) >= SHARE, (name, found.share(name))
    assert found.entity_f1 >= ENTITY_F1, found.entities
