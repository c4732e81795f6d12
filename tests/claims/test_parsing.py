"""The parse: the remembered attribute ruler and lemmatizer give the model's own output."""

from __future__ import annotations

from newstrace.claims.parsing import MODELS, REMEMBERED, load_model, nlp, paragraphs

TRICKY = [
    "There is a plan. There are two. I'm gonna go, y'all, and we gotta win; let's go.",
    "He ain't here, but she said: “We won't.” C'mon, it's nothin'.",
    "Wang  Wenbin said  China\tdoes not sell arms.   Spaces   everywhere.",
    "The Foreign Ministry spokesman said China had not decided, the sources said.",
]


def test_remembered_attributes_match_the_real_components(seeds_dir) -> None:
    reference = load_model(MODELS[0])  # the model's own components, same operations
    ours = nlp()
    assert REMEMBERED in ours.pipe_names
    assert "lemmatizer" not in ours.pipe_names  # replaced, not run twice
    texts = TRICKY + [p for f in sorted(seeds_dir.glob("*.txt"))
                      for _, p in paragraphs(f.read_text())]
    for _ in range(2):  # the second pass comes from memory
        for text in texts:
            expected, got = reference(text), ours(text)
            assert [(t.pos_, str(t.morph), t.lemma_, t.tag_, t.dep_) for t in got] == [
                (t.pos_, str(t.morph), t.lemma_, t.tag_, t.dep_) for t in expected], text


def test_numpy_blas_operations_give_the_models_own_parse(seeds_dir) -> None:
    import spacy

    blis = spacy.load(MODELS[0])  # the model's default operations (blis kernels)
    ours = load_model(MODELS[0])
    assert not ours.get_pipe("tok2vec").model.ops.use_blis
    texts = TRICKY + [p for f in sorted(seeds_dir.glob("*.txt"))
                      for _, p in paragraphs(f.read_text())]
    for expected, got in zip(blis.pipe(texts), ours.pipe(texts), strict=True):
        assert [(t.tag_, t.dep_, t.head.i, t.ent_type_, t.ent_iob_) for t in got] == [
            (t.tag_, t.dep_, t.head.i, t.ent_type_, t.ent_iob_) for t in expected]
