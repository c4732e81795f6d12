"""Ties between scores equal in theory go to the first candidate, whatever the last bits."""

from __future__ import annotations

import numpy as np

from newstrace.nlp.similarity import TIE, descending, first_best
from newstrace.records import Article
from newstrace.reuse.align import align
from newstrace.stories.summarize import central_article


def test_first_best_treats_scores_within_the_tie_as_equal() -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        scores = rng.uniform(0, 1, size=6)
        best = int(scores.argmax())
        twin = rng.integers(0, 6)
        if twin == best:
            continue
        scores[twin] = scores[best] + rng.uniform(-TIE / 20, TIE / 20)  # bits apart
        assert first_best(scores) == min(best, twin)
    assert first_best([0.2, 0.2 + 2 * TIE]) == 1  # a real difference still counts


def test_descending_keeps_the_given_order_on_a_tie() -> None:
    assert descending([0.5, 0.9, 0.9 + 1e-9, 0.9 - 1e-9, 0.1]).tolist() == [1, 2, 3, 0, 4]


def test_both_members_of_a_pair_are_central_and_the_first_is_chosen() -> None:
    rng = np.random.default_rng(2)
    members = [Article(id=f"{n:016x}", source=str(n), text="x") for n in range(2)]
    for _ in range(100):  # a pair's members are equally close to their mean, in theory
        v = rng.normal(size=(2, 512)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        vectors = {members[0].id: v[0], members[1].id: v[1]}
        assert central_article(members, vectors) is members[0]
        assert central_article(members[::-1], vectors) is members[1]


def test_a_repeated_sentence_aligns_with_its_first_copy() -> None:
    rng = np.random.default_rng(3)
    original = rng.normal(size=(3, 64)).astype(np.float32)
    original /= np.linalg.norm(original, axis=1, keepdims=True)
    copy = np.vstack([original[1], original[0], original[0]])  # sentence 0 said twice
    # another kernel, or a product of another shape, gives the repeat other last bits
    similarity = original @ copy.T
    similarity[0, 2] = np.nextafter(similarity[0, 1], np.float32(2))  # one unit above
    pairs = [(p.original_index, p.copy_index) for p in align(similarity)]
    assert (0, 1) in pairs and (0, 2) not in pairs
