"""An accelerated part whose check fails at load leaves the work to spaCy's own, with a
warning naming the part and the reason; the parse is then plain spaCy's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from newstrace import settings
from newstrace.nlp.fastparse import (
    attributes,
    checks,
    dependency_decoder,
    distilled_entities,
    entity_decoder,
    model,
    parse,
    pipeline,
    token_embeddings,
)
from tests.nlp.fastparse.agreement import ATTRIBUTES, agreement

LOGGER = "newstrace.nlp.fastparse"


@pytest.fixture(scope="module")
def texts(seeds_dir: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))]


@pytest.fixture(scope="module")
def plain(texts: list[str]) -> Any:
    return parse(texts, entities="spacy", accelerate=False)


def _missing_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attributes, "_TABLES", (*attributes._TABLES, "lemma_lookup_extra"))


def _extra_state_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dependency_decoder, "FEATURES", 13)  # "extra_state_tokens": true


def _recogniser_moves(monkeypatch: pytest.MonkeyPatch) -> None:
    moves = {k: v for k, v in entity_decoder._MOVE_OF.items() if k != "U"}
    monkeypatch.setattr(entity_decoder, "_MOVE_OF", moves)


def _embedding_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    layers = (*token_embeddings._EMBED_LAYERS[:-1], "with_padded")
    monkeypatch.setattr(token_embeddings, "_EMBED_LAYERS", layers)


def _no_distilled_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(distilled_entities, "MODEL", Path("/nonexistent/entities.crfsuite"))


def _thinc_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(checks.SUPPORTED, "thinc", (9, 0))


def _no_numpy_operations(monkeypatch: pytest.MonkeyPatch) -> None:
    import thinc.api

    def use_ops(name: str, **kwargs: Any) -> Any:
        raise TypeError(f"use_ops() got an unexpected keyword argument {next(iter(kwargs))!r}")

    monkeypatch.setattr(thinc.api, "use_ops", use_ops)


CASES: dict[str, tuple[Callable[[pytest.MonkeyPatch], None], str, list[str], list[str]]] = {
    # case: (precondition broken, entities, warned parts, spaCy's components then running)
    "lemmatizer table": (_missing_table, "spacy", ["attributes"],
                         ["attribute_ruler", "lemmatizer"]),
    "parser features": (_extra_state_tokens, "spacy", ["dependency_decoder"], ["parser"]),
    "recogniser moves": (_recogniser_moves, "spacy", ["entity_decoder"], ["ner"]),
    "embedding layers": (_embedding_layers, "spacy", ["'tok2vec'", "'ner'"], []),
    "distilled model": (_no_distilled_model, "crf", ["distilled_entities"], []),
    "thinc version": (_thinc_version, "spacy",
                      ["attributes", "dependency_decoder", "entity_decoder", "'tok2vec'"],
                      ["parser", "attribute_ruler", "lemmatizer", "ner"]),
    "numpy operations": (_no_numpy_operations, "spacy", ["numpy operations"], []),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_failed_check_falls_back_to_spacy_with_a_warning(
        case: str, texts: list[str], plain: Any, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    breaks, entities, parts, running = CASES[case]
    breaks(monkeypatch)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        fallen = model.build(entities, accelerate=True)
    warnings = [r.getMessage() for r in caplog.records
                if r.name == LOGGER and r.levelno == logging.WARNING]
    for part in parts:
        assert any(part in w and "falling back to" in w for w in warnings), (part, warnings)
    assert set(running) <= set(fallen.pipe_names)
    # the parse is plain spaCy's (the distilled model's fallback: the model's recogniser)
    monkeypatch.setattr(model, "pipeline", lambda *args, **kwargs: fallen)
    found = agreement(parse(texts), plain)
    assert found.tokens > 2_000
    assert all(found.share(name) >= 0.999 for name in ATTRIBUTES), found.same
    assert found.entity_f1 >= 0.999


def test_the_shipped_model_passes_every_check(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        built = model.build("crf", accelerate=True)
    assert not [r for r in caplog.records if r.name == LOGGER], caplog.text
    assert model.accelerate_pipeline(model.load_model(model.MODELS[0])) == []
    assert distilled_entities.NAME in built.pipe_names


def test_the_switch_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSTRACE_ACCELERATE", "0")
    assert settings.Settings.from_environment().accelerate is False
    monkeypatch.setenv("NEWSTRACE_ACCELERATE", "yes")
    assert settings.Settings.from_environment().accelerate is True
    monkeypatch.setenv("NEWSTRACE_ACCELERATE", "maybe")
    with pytest.raises(ValueError, match="NEWSTRACE_ACCELERATE"):
        settings.Settings.from_environment()
    with pytest.raises(ValueError, match="accelerate"):
        settings.Settings(accelerate="no")  # type: ignore[arg-type]
    monkeypatch.setattr(settings, "_current", replace(settings.current(), accelerate=False))
    assert pipeline() is pipeline("spacy", accelerate=False)
    assert pipeline().pipe_names[-1] == "ner"
    monkeypatch.setattr(settings, "_current", replace(settings.current(), accelerate=True,
                                                      entities="spacy"))
    assert pipeline() is pipeline("spacy", accelerate=True)
    assert entity_decoder.NAME in pipeline().pipe_names
