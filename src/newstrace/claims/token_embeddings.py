"""spaCy's token embeddings, remembered per distinct token.

A spaCy token encoder (``Tok2Vec``) starts by embedding each token alone: its hashed
attributes (norm, prefix, suffix, shape, ...) are looked up, concatenated and mixed
by a maxout layer with layer norm. That first step reads nothing but the token's own
attribute values, yet it is the largest matrix product of the encoder (576 x 288 per
token in the small English model's shared encoder, against 288 x 288 for each of the
four window layers that follow): a third of the shared encoder's arithmetic and a
quarter of the entity recogniser's. News repeats its words, so each distinct
attribute row is embedded once and remembered; the window layers run unchanged.

New rows are embedded as a batch (:class:`~newstrace.nlp.products.RememberedRows`): the
vectors are the encoder's own to within float32 rounding (tested against the chain's
forward pass at a stated tolerance), and the parse and the entities are the same as
spaCy's own pipeline gives (tested on the seeds and PolNeAR texts).

    >>> from newstrace.claims.parsing import nlp
    >>> remember_embeddings(nlp().get_pipe("tok2vec").model)  # already done on load
    0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from newstrace.nlp.products import RememberedRows

#: the layers of spaCy's ``MultiHashEmbed`` chain, by thinc's names
_EMBED_LAYERS = ("extract_features", "list2ragged", "with_array", "with_array", "ragged2list")


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
        layers = getattr(node, "layers", ())
        return (len(layers) == len(_EMBED_LAYERS)
                and all(layer.name.split("(")[0] == name
                        for layer, name in zip(layers, _EMBED_LAYERS, strict=True))
                and "columns" in layers[0].attrs
                and layers[3].layers[0].name.startswith("maxout>>layernorm"))

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
    thinc ``model``'s tree (once); the number replaced."""
    from thinc.api import Model

    replaced = 0
    for node in list(model.walk()):
        if node.name == "remembered_embed":
            continue
        for i, child in enumerate(node.layers):
            if RememberedEmbeddings.fits(child):
                remembered = RememberedEmbeddings(child)
                node.layers[i] = Model("remembered_embed", remembered.forward,
                                       layers=[child], dims={"nO": child.get_dim("nO")})
                replaced += 1
    return replaced
