"""spaCy's token embeddings, remembered per distinct token.

A spaCy token encoder (``Tok2Vec``) starts by embedding each token alone: its hashed
attributes (norm, prefix, suffix, shape, ...) are looked up, concatenated and mixed
by a maxout layer with layer norm. That first step reads nothing but the token's own
attribute values, yet it is the largest matrix product of the encoder (in the small
English model's shared encoder, twice as wide as each of the window layers that
follow). News repeats its words, so each distinct attribute row is embedded once and
remembered; the window layers run unchanged.

New rows are embedded as a batch (:class:`~newstrace.nlp.products.RememberedRows`): the
vectors are the encoder's own to within float32 rounding (tested against the chain's
forward pass at a stated tolerance), and the parse and the entities are the same as
spaCy's own pipeline gives (tested on the seeds and PolNeAR texts). A chain is
replaced only where its layers are the ones this was written for
(:func:`check_embed`, thinc's names and matching dimensions).

    >>> from newstrace.nlp.fastparse import pipeline
    >>> remember_embeddings(pipeline().get_pipe("tok2vec").model)  # already done on load
    0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from newstrace.nlp.fastparse.checks import Unsupported, check_versions, dims, layer_name, require
from newstrace.nlp.products import RememberedRows

#: the layers of spaCy's ``MultiHashEmbed`` chain, by thinc's names
_EMBED_LAYERS = ("extract_features", "list2ragged", "with_array", "with_array", "ragged2list")

#: the name of the layer put in place of a chain
REMEMBERED = "remembered_embed"


def looks_like_embed(node: Any) -> bool:
    """Whether ``node`` is a chain that starts as spaCy's ``MultiHashEmbed`` does (its
    token attributes extracted): one this module means to replace."""
    layers = getattr(node, "layers", ())
    return bool(layers) and layer_name(layers[0]) == "extract_features" and len(layers) > 2


def check_embed(node: Any) -> None:
    """:class:`~.checks.Unsupported` unless ``node`` is a ``MultiHashEmbed`` chain laid out
    as :class:`RememberedEmbeddings` reads it: attributes extracted by columns, the hash
    tables' outputs concatenated, then maxout and layer norm (and dropout) to the
    chain's width, the widths matching."""
    layers = list(getattr(node, "layers", ()))
    names = tuple(layer_name(layer) for layer in layers)
    require(names == _EMBED_LAYERS, f"embedding layers {names}, not {_EMBED_LAYERS}")
    require("columns" in layers[0].attrs, "the feature extractor names no columns")
    require(bool(layers[2].layers) and bool(layers[3].layers),
            "the lookup and mixing layers wrap nothing")
    lookup, mix = layers[2].layers[0], layers[3].layers[0]
    require(str(mix.name).startswith("maxout>>layernorm"),
            f"a mixing layer {mix.name!r}, not maxout>>layernorm")
    width, mixed, out = dims(lookup).get("nO"), dims(mix), node.maybe_get_dim("nO")
    require(width is not None and mixed.get("nI") == width and mixed.get("nO") == out,
            f"widths: lookup {width}, mixing {mixed}, chain {out}")


class RememberedEmbeddings:
    """The first step of one token encoder (its ``MultiHashEmbed`` chain), remembered
    per distinct row of token attributes; a thinc layer's forward pass in prediction."""

    MAX_ROWS = 100_000  # 38 MB of float32 rows of 96 at most, then start again

    def __init__(self, embed: Any) -> None:
        self.embed = embed
        self.extract = embed.layers[0]
        self.lookup = embed.layers[2].layers[0]  # the hash tables, concatenated
        self.mix = embed.layers[3].layers[0]  # maxout, layer norm (and inactive dropout)
        self.memory = RememberedRows(embed.get_dim("nO"), self.MAX_ROWS)

    @staticmethod
    def fits(node: Any) -> bool:
        """Whether ``node`` is a ``MultiHashEmbed`` chain as this was written for."""
        try:
            check_embed(node)
        except Unsupported:
            return False
        return True

    def forward(self, model: Any, docs: list[Any], is_train: bool) -> tuple[Any, Any]:
        if is_train:  # training needs the chain's own backward pass
            return self.embed(docs, is_train)
        features = self.extract.predict(docs)
        if not features:
            return [], _no_backprop
        lengths = [len(f) for f in features]
        every = np.ascontiguousarray(np.concatenate(features), dtype=np.uint64)
        keys = every.view(np.dtype((np.void, every.shape[1] * 8))).ravel().tolist()
        vectors = self.memory(keys, lambda at: self.mix.predict(self.lookup.predict(every[at])))
        return np.split(vectors, np.cumsum(lengths)[:-1]), _no_backprop


def _no_backprop(gradient: Any) -> Any:
    raise NotImplementedError("remembered embeddings are for prediction only")


def remember_embeddings(model: Any) -> int:
    """Put a :class:`RememberedEmbeddings` in place of every ``MultiHashEmbed`` chain in the
    thinc ``model``'s tree (once); the number replaced. :class:`~.checks.Unsupported`
    (nothing replaced) if a chain that starts as one is not laid out as this reads it,
    or the libraries are not the versions this was written for."""
    from thinc.api import Model

    check_versions()
    found: list[tuple[Any, int, Any]] = []
    for node in list(model.walk()):
        if node.name == REMEMBERED:
            continue
        for i, child in enumerate(node.layers):
            if looks_like_embed(child):
                check_embed(child)
                found.append((node, i, child))
    for node, i, child in found:
        remembered = RememberedEmbeddings(child)
        node.layers[i] = Model(REMEMBERED, remembered.forward, layers=[child],
                               dims={"nO": child.get_dim("nO")})
    return len(found)


def remembered_chains(model: Any) -> int:
    """How many of the thinc ``model``'s embedding chains are remembered."""
    return sum(1 for node in model.walk() if node.name == REMEMBERED)
