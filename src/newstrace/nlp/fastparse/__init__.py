"""spaCy's English parse of articles, paragraph by paragraph, with an optional accelerator.

One call, :func:`parse`: the paragraphs of each text (:func:`newstrace.nlp.paragraphs.
paragraphs`: the small English model's sentence segmenter misses blank-line paragraph
breaks, so each paragraph is parsed on its own and keeps its offset), all run through
one ``nlp.pipe``.

    >>> [(p.offset, p.doc.text) for p in parse(["One.\\n\\nTwo two."])[0]]
    [(0, 'One.'), (6, 'Two two.')]

``accelerate=True`` (the default, the ``accelerate`` setting) runs the model with
components of this package in place of parts of spaCy's own, each giving the same
output (tested against the stock pipeline on the seeds and PolNeAR dev texts):

* the attribute ruler and lemmatizer work out, per token and in Python, what depends
  only on a token's word, tag and label: their output is remembered per such context
  (:mod:`.attributes`);
* the parser and the recogniser keep their networks but are decoded for a whole batch
  at once (:mod:`.dependency_decoder`, :mod:`.entity_decoder`): spaCy checks every move
  of every state one call at a time, these step all states together in arrays;
* both token encoders' first step, which reads a token alone, is remembered per
  distinct token (:mod:`.token_embeddings`: the same vectors to within float32
  rounding), and the networks run on numpy's BLAS, not the blis package's kernels.

``accelerate=False`` runs the stock ``en_core_web_sm`` pipeline, as shipped. An
accelerated part whose check of spaCy's model fails at load (a layer, table or move
it reads missing or different, another spaCy or thinc version) logs a warning on the
``newstrace.nlp.fastparse`` logger and leaves that part to spaCy (:mod:`.model`).

``entities="crf"`` (the ``entities`` setting) replaces the recogniser by a CRF distilled
from it (:mod:`.distilled_entities`): cheaper, a little less accurate; a different
model, run only in the accelerated pipeline.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from newstrace import parallel
from newstrace.nlp.fastparse import model
from newstrace.nlp.fastparse.model import (
    MODELS,
    TRAINED_MODELS,
    build,
    choices,
    load_model,
    pipeline,
)
from newstrace.nlp.paragraphs import Paragraph, paragraphs

__all__ = ["MODELS", "TRAINED_MODELS", "Paragraph", "build", "choices", "load_model",
           "paragraphs", "parse", "parse_many", "pipeline"]


def parse(texts: Sequence[str], batch_size: int = 256, *, entities: str | None = None,
          accelerate: bool | None = None) -> list[list[Paragraph]]:
    """Parsed paragraphs of each text (one ``nlp.pipe`` over all of them), by the
    accelerated pipeline or spaCy's stock one (default: the ``accelerate`` setting),
    with the ``entities`` recogniser (default: the setting).

    Paragraphs are short: large batches keep the model's matrix products large.
    """
    spans = [paragraphs(t) for t in texts]
    flat = [p for ps in spans for _, p in ps]
    nlp = model.pipeline(entities, accelerate)
    # BLAS threads beyond one a process spin-wait against the other processes
    with parallel.blas_limit():
        docs: Iterator[Any] = iter(nlp.pipe(flat, batch_size=batch_size))
        return [[Paragraph(offset, next(docs)) for offset, _ in ps] for ps in spans]


#: The name the claims stage calls :func:`parse` by.
parse_many = parse
