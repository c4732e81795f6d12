"""Remembered token embeddings are the token encoder's own, to within float32 rounding.

Not bit for bit: the last bits of a product depend on the BLAS kernel OpenBLAS picks for
the CPU and on the product's shape (run these under ``OPENBLAS_CORETYPE=Haswell`` and
``Sandybridge``: ``scripts/test-blas-kernels.sh``). The embedding rows are maxout and
layer-norm outputs of order 1; float32 rounding of their 576-term products is ~1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest

from newstrace.nlp.fastparse import pipeline
from newstrace.nlp.fastparse.token_embeddings import RememberedEmbeddings, remember_embeddings

TEXTS = [
    "Biden",  # one token: numpy's matrix-vector path for a product of one row
    "Jen Psi told CNN.",
    "",
    "   ",
    "Foreign Ministry spokesman Wang Wenbin said China had not supplied weapons.",
]


#: how far a remembered vector may be from the chain's own (values of order 1)
RTOL, ATOL = 1e-4, 1e-5


def same_vectors(got: list[np.ndarray], expected: list[np.ndarray]) -> bool:
    return len(got) == len(expected) and all(
        g.shape == e.shape and np.allclose(g, e, rtol=RTOL, atol=ATOL)
        for g, e in zip(got, expected, strict=True))


@pytest.fixture(scope="module")
def texts(seed_paragraphs):
    return TEXTS + seed_paragraphs


def _embed_chains(reference):
    return [reference.get_pipe("tok2vec").model.layers[0],  # six attributes, 576 x 288
            reference.get_pipe("ner").model.get_ref("tok2vec").layers[0].layers[0]]  # four


def test_the_pipeline_remembers_both_encoders_embeddings() -> None:
    ours = pipeline("spacy", accelerate=True)
    for component in ("tok2vec", "ner"):
        model = ours.get_pipe(component).model
        assert [n.name for n in model.walk()].count("remembered_embed") == 1
        assert remember_embeddings(model) == 0  # once only


@pytest.mark.parametrize("chain", [0, 1])
def test_remembered_rows_are_a_large_batchs_own(reference, texts, chain) -> None:
    embed = _embed_chains(reference)[chain]
    assert RememberedEmbeddings.fits(embed)
    docs = [reference.make_doc(t) for t in texts]
    expected = embed.predict(docs)  # one batch of ~2,800 tokens
    assert sum(len(e) for e in expected) > 2000
    remembered = RememberedEmbeddings(embed)
    for size in (1, 3, 64, len(docs)):  # cold with one doc at a time, then from memory
        got = [v for i in range(0, len(docs), size)
               for v in remembered.forward(None, docs[i : i + size], False)[0]]
        assert same_vectors(got, expected), size
    distinct = len(remembered.memory.row_of)
    remembered = RememberedEmbeddings(embed)
    remembered.memory.limit = 50  # forgetting and starting again gives the same
    got = [v for i in range(0, len(docs), 8)
           for v in remembered.forward(None, docs[i : i + 8], False)[0]]
    assert same_vectors(got, expected)
    assert len(remembered.memory.row_of) < distinct


def test_training_goes_through_the_chains_own_pass(reference) -> None:
    embed = _embed_chains(reference)[1]
    docs = [reference.make_doc(t) for t in TEXTS]
    vectors, backprop = RememberedEmbeddings(embed).forward(None, docs, True)
    assert same_vectors(vectors, embed.predict(docs))  # the chain's own pass: the same bits
    assert callable(backprop)
