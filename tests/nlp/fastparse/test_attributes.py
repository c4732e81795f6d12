"""The remembered attribute ruler and lemmatizer give the model's own output."""

from __future__ import annotations

import spacy

from newstrace.nlp.fastparse import MODELS, load_model, pipeline
from newstrace.nlp.fastparse.attributes import NAME, RememberedAttributes, check_attributes

TRICKY = [
    "There is a plan. There are two. I'm gonna go, y'all, and we gotta win; let's go.",
    "He ain't here, but she said: “We won't.” C'mon, it's nothin'.",
    "Wang  Wenbin said  China\tdoes not sell arms.   Spaces   everywhere.",
    "The Foreign Ministry spokesman said China had not decided, the sources said.",
]


def test_remembered_attributes_match_the_real_components(reference, seed_paragraphs
                                                         ) -> None:
    ours = pipeline("spacy", accelerate=True)
    assert NAME in ours.pipe_names
    assert "lemmatizer" not in ours.pipe_names  # replaced, not run twice
    texts = TRICKY + seed_paragraphs
    for _ in range(2):  # the second pass comes from memory
        for text in texts:
            expected, got = reference(text), ours(text)
            assert [(t.pos_, str(t.morph), t.lemma_, t.tag_, t.dep_) for t in got] == [
                (t.pos_, str(t.morph), t.lemma_, t.tag_, t.dep_) for t in expected], text


def test_numpy_blas_operations_give_the_models_own_parse(seed_paragraphs) -> None:
    blis = spacy.load(MODELS[0])  # the model's default operations (blis kernels)
    ours = load_model(MODELS[0])
    assert not ours.get_pipe("tok2vec").model.ops.use_blis
    texts = TRICKY + seed_paragraphs
    for expected, got in zip(blis.pipe(texts), ours.pipe(texts), strict=True):
        assert [(t.tag_, t.dep_, t.head.i, t.ent_type_, t.ent_iob_) for t in got] == [
            (t.tag_, t.dep_, t.head.i, t.ent_type_, t.ent_iob_) for t in expected]


def test_a_batchs_new_contexts_are_learnt_at_once(reference, seed_paragraphs, monkeypatch
                                                  ) -> None:
    fresh = load_model(MODELS[0])  # a cold memory over the model's own ruler
    remembered = RememberedAttributes(fresh.get_pipe("attribute_ruler"),
                                      fresh.get_pipe("lemmatizer"), fresh.vocab)
    ruled: list[int] = []
    ruler = remembered.ruler
    monkeypatch.setattr(remembered, "ruler", lambda doc: ruled.append(len(doc)) or ruler(doc))
    # "na" opens the second paragraph: beside the first one's "gon" in the ruler's one
    # doc of new contexts it reads another neighbour, so its paragraph is ruled alone
    texts = ["We gon", "na na na", *TRICKY, *seed_paragraphs]
    # the parse the ruler reads (tags and labels), then the remembered components
    docs = list(fresh.pipe(texts, disable=["attribute_ruler", "lemmatizer", "ner"]))
    got = list(remembered.pipe(docs, batch_size=64))
    expected = list(reference.pipe(texts))
    for doc, want in zip(got, expected, strict=True):
        assert [(t.pos_, str(t.morph), t.lemma_, t.tag_, t.dep_) for t in doc] == [
            (t.pos_, str(t.morph), t.lemma_, t.tag_, t.dep_) for t in want], doc.text
    assert len(docs) > 60 and len(ruled) < len(docs) // 4  # a handful of ruler runs
    assert 3 in ruled  # "na na na" went through the ruler alone


def test_the_check_passes_the_shipped_ruler_and_lemmatizer(reference) -> None:
    check_attributes(reference, reference.get_pipe("attribute_ruler"),
                     reference.get_pipe("lemmatizer"))
