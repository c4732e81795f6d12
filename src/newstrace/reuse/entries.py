"""What the reuse index keeps of one article: an entry, and the entry as a product.

An entry holds the article's sentences, the vectors of those embedded so far (rounded
to float16, as kept), its document vector, MinHash signature, text digest, language
and arrival number. :func:`entry_to_product` and :func:`entry_from_product` turn it
into the JSON-ready per-article product a store keeps, and back (the article itself
is the store's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from datasketch import LeanMinHash

from newstrace.nlp import embeddings
from newstrace.nlp.embeddings import compact
from newstrace.nlp.sentences import split_sentences
from newstrace.records import Article
from newstrace.stages import pack_array, unpack_array

LEAD = 12  # sentences whose embeddings make the document vector used for blocking
#: the per-article product of the reuse index: an entry's fingerprints and vectors
ENTRY_PRODUCT = "reuse.entry/1"


@dataclass(slots=True)
class Entry:
    """What the index keeps of one article."""

    article: Article
    sentences: list[str]
    vectors: np.ndarray  # (k, 512) float32, normalised: the first k sentences embedded so far
    doc_vector: np.ndarray  # normalised mean of the lead sentences' vectors
    minhash: LeanMinHash
    digest: str
    language: str | None
    order: int = -1  # arrival number in the index (-1: not indexed yet)
    grown: bool = False  # more sentences embedded since it was last kept

    def full_vectors(self) -> np.ndarray:
        """Embeddings of every sentence; computed when the article first reaches alignment."""
        if len(self.vectors) < len(self.sentences):
            rest = compact(embeddings.encode(self.sentences[len(self.vectors) :]))
            self.vectors = np.vstack([self.vectors, rest])
            self.grown = True
        return self.vectors


def sentences_of(article: Article) -> list[str]:
    return split_sentences(article.text) or [article.text.strip()]


def entry_to_product(entry: Entry) -> dict[str, Any]:
    """An entry as a JSON-ready product (its article is the store's)."""
    return {"order": entry.order, "vectors": pack_array(entry.vectors.astype(np.float16)),
            "minhash": pack_array(entry.minhash.hashvalues.astype(np.uint64)),
            "seed": int(entry.minhash.seed), "scheme": entry.minhash.scheme,
            "digest": entry.digest, "language": entry.language}


def entry_from_product(article: Article, value: Mapping[str, Any]) -> Entry:
    vectors = unpack_array(value["vectors"], np.float16).reshape(-1, embeddings.DIM)
    vectors = vectors.astype(np.float32)
    signature = LeanMinHash(seed=value["seed"],
                            hashvalues=unpack_array(value["minhash"], np.uint64),
                            scheme=value["scheme"])
    return Entry(article, sentences_of(article), vectors,
                 embeddings.mean_vector(vectors[:LEAD]), signature, value["digest"],
                 value["language"], value["order"])
