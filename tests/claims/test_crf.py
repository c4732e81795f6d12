"""The CRF read into arrays gives CRFsuite's own labels."""

from __future__ import annotations

import numpy as np
import pytest

from newstrace.claims import tagger
from newstrace.claims.feature_rows import FeatureRows
from newstrace.nlp.crf import LinearChainCRF, crfsuite_tagger
from newstrace.nlp.fastparse import distilled_entities, parse_many


@pytest.fixture(scope="module")
def docs(seeds_dir, shared_data):
    texts = [f.read_text() for f in sorted(seeds_dir.glob("*.txt"))]
    texts += [f.read_text() for f in sorted((shared_data / "polnear" / "dev" / "text")
                                            .glob("*.txt"))[:20]]
    texts += ["Biden", "   ", "“We won’t,” he said, \"never\"."]
    return [p.doc for ps in parse_many(texts) for p in ps]


@pytest.mark.parametrize("model, features", [(tagger.MODEL, tagger.paragraph_features),
                                             (distilled_entities.MODEL,
                                              distilled_entities.token_features)])
def test_labels_are_crfsuites_own(docs, model, features) -> None:
    sequences = [features(d) for d in docs]
    sequences += [[], [["b"]], [["no such feature"], ["b", "b"]]]  # empty, one token, unknown
    reference = crfsuite_tagger(model)
    expected = [list(reference.tag(s)) if s else [] for s in sequences]
    assert sum(len(s) for s in sequences) > 10_000  # a real test
    assert len({label for labels in expected for label in labels}) >= 5
    crf = LinearChainCRF.load(model)
    assert crf.tag(sequences) == expected  # one batch
    assert [crf.tag([s])[0] for s in sequences] == expected  # one sequence at a time
    assert crf.labels == list(reference.labels())


def test_scores_are_summed_in_crfsuites_order(docs) -> None:
    # CRFsuite adds a token's attributes' weights one after another onto zeros, in the
    # order of its features: the same floating-point sums, not just close ones
    from scipy.sparse import csr_matrix

    crf = LinearChainCRF.load(tagger.MODEL)
    tokens = [t for d in docs[:30] for t in crf.rows(tagger.paragraph_features(d))]
    bounds = np.cumsum([0] + [len(t) for t in tokens])
    flat = np.array([r for t in tokens for r in t])
    ones = csr_matrix((np.ones(len(flat)), flat, bounds), shape=(len(tokens), len(crf.state)))
    got = ones @ crf.state
    for n, token in enumerate(tokens):
        total = np.zeros(len(crf.labels))
        for row in token:
            total = total + crf.state[row]
        assert np.array_equal(got[n], total)


def test_tag_docs_leaves_labels_on_each_doc(docs) -> None:
    some = docs[:12]
    for d in some:
        d.user_data.pop(tagger.LABELS, None)
    labels = tagger.tag_docs(some)
    expected = [list(crfsuite_tagger(tagger.MODEL).tag(tagger.paragraph_features(d)))
                if len(d) else [] for d in some]
    assert labels == expected
    assert [tagger.tag(d) for d in some] == expected
    assert tagger.tag_docs([]) == []


def test_feature_rows_are_the_strings_rows(docs) -> None:
    # the arrays' rows are the feature strings' rows, feature for feature, in order
    crf = LinearChainCRF.load(tagger.MODEL)
    rows, bounds, lengths = FeatureRows(crf.row_of.get)(docs)
    expected = [token for d in docs for token in crf.rows(tagger.paragraph_features(d))]
    assert lengths == [len(d) for d in docs] and len(bounds) == len(expected) + 1
    got = [rows[bounds[t] : bounds[t + 1]].tolist() for t in range(len(expected))]
    assert got == expected
    assert sum(map(len, expected)) > 100_000  # a real test: ~30 features a token
    rows, bounds, lengths = FeatureRows(crf.row_of.get)([])
    assert len(rows) == 0 and bounds.tolist() == [0] and lengths == []


def test_not_a_model_is_refused(tmp_path) -> None:
    bad = tmp_path / "bad.crfsuite"
    bad.write_bytes(b"\0" * 64)
    with pytest.raises(ValueError, match="not a CRFsuite"):
        LinearChainCRF.load(bad)
