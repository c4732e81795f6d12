"""The network of a spaCy transition-based component, for decoders that step a batch at once.

spaCy's dependency parser and entity recogniser share one design
(``spacy.TransitionBasedParser.v2``): a token encoder, a "lower" layer precomputed for
every token and feature slot (a state's hidden layer is the sum of its features' rows,
a maxout), and an "upper" layer scoring the moves. The batch decoders
(:mod:`.dependency_decoder`, :mod:`.entity_decoder`) run this network unchanged and do
the stepping themselves; :meth:`TransitionNetwork.of` checks first that the component's
network is laid out as they read it (:mod:`.checks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from newstrace.nlp.fastparse.checks import check_versions, dims, layer_name, require

#: Pipeline batches a decoder steps through together: a step costs about the same for a
#: few states as for many, so several batches decode faster together than one at a time
#: (the network still runs in spaCy's sub-batches; the pipeline's own batches stay at
#: the size where its products run fastest).
BATCHES_DECODED_TOGETHER = 4


@dataclass
class TransitionNetwork:
    tok2vec: Any
    lower: Any
    weights: np.ndarray  # the upper layer, (hidden, moves)
    bias: np.ndarray  # (moves,)
    lower_bias: np.ndarray  # (hidden * pieces,)
    features: int
    pieces: int

    @classmethod
    def of(cls, component: Any, features: int) -> TransitionNetwork:
        """The network of a spaCy transition-based ``component`` whose states read
        ``features`` tokens; :class:`~.checks.Unsupported` unless it is laid out as the
        decoders read it: greedy decoding (beam width 1), an upper layer, no unseen
        moves, thinc's ``precomputable_affine`` and ``linear`` layers of matching shapes."""
        check_versions()
        model = component.model
        require(component.cfg.get("beam_width", 1) == 1,
                f"beam width {component.cfg.get('beam_width')}: only greedy decoding")
        require(layer_name(model) == "parser_model",
                f"a network {layer_name(model)!r}, not spaCy's 'parser_model'")
        require({"tok2vec", "lower", "upper"} <= set(model.ref_names),
                f"network references {sorted(model.ref_names)}: no tok2vec, lower, upper")
        require(bool(model.attrs.get("has_upper", False)), "no upper layer")
        require(not model.attrs.get("unseen_classes"), "moves unseen in training")
        lower, upper = model.get_ref("lower"), model.get_ref("upper")
        require(layer_name(lower) == "precomputable_affine" and layer_name(upper) == "linear",
                f"layers {layer_name(lower)!r} and {layer_name(upper)!r}, not "
                "'precomputable_affine' and 'linear'")
        low, up = dims(lower), dims(upper)
        n_moves = component.moves.n_moves
        require(low.get("nF") == features,
                f"states of {low.get('nF')} feature tokens, not {features}")
        hidden, pieces, width = low.get("nO"), low.get("nP"), low.get("nI")
        require(None not in (hidden, pieces, width) and (pieces or 0) >= 1,
                f"lower layer dimensions {low}")
        shapes = {"lower W": (lower.get_param("W").shape, (features, hidden, pieces, width)),
                  "lower b": (lower.get_param("b").shape, (hidden, pieces)),
                  "lower pad": (lower.get_param("pad").shape, (1, features, hidden, pieces)),
                  "upper W": (upper.get_param("W").shape, (n_moves, hidden)),
                  "upper b": (upper.get_param("b").shape, (n_moves,))}
        for what, (shape, expected) in shapes.items():
            require(tuple(shape) == expected, f"{what} of shape {tuple(shape)}, not {expected}")
        require(up.get("nO") == n_moves and up.get("nI") == hidden,
                f"upper layer dimensions {up} for {n_moves} moves of {hidden} hidden units")
        return cls(
            tok2vec=model.get_ref("tok2vec"), lower=lower,
            weights=np.ascontiguousarray(upper.get_param("W").T),
            bias=upper.get_param("b"), lower_bias=lower.get_param("b").reshape(-1),
            features=features, pieces=int(pieces))  # type: ignore[arg-type]

    def table(self, groups: list[list[Any]]) -> np.ndarray:
        """Every token's precomputed rows, (tokens + 1, features, hidden * pieces), groups
        in order; row 0 holds each feature's padding (a state's missing token). Each
        group goes through the network as one sub-batch, as spaCy sends it."""
        tables = [self.lower.predict(self.tok2vec.predict(group)) for group in groups]
        table = np.concatenate([tables[0][:1], *(t[1:] for t in tables)])
        return table.reshape(table.shape[0], table.shape[1], -1)

    def scores(self, total: np.ndarray) -> np.ndarray:
        """The moves' scores of states whose feature rows sum to ``total`` (summed in
        spaCy's order onto zeros; changed in place): bias, maxout, upper layer."""
        total += self.lower_bias
        if self.pieces == 2:  # maxout over interleaved pieces, without a strided reduction
            state = np.maximum(total[:, 0::2], total[:, 1::2])
        else:
            state = total.reshape(len(total), -1, self.pieces).max(axis=2)
        scores = state @ self.weights
        scores += self.bias
        return scores


def spacy_groups(docs: list[Any], batch_size: int) -> list[list[Any]]:
    """``docs`` cut into sub-batches as spaCy's ``Parser.pipe`` cuts a batch (by length,
    a quarter of ``batch_size`` each), without the empty ones, which add no rows to the
    network's products and have nothing to decode. A token's rows do not depend on the
    other rows of its product (a product of a handful of rows would take another path
    in BLAS, and a group holds dozens), so ``docs`` may be several of spaCy's batches:
    the rows are spaCy's own (checked on the seeds and PolNeAR dev)."""
    by_length = sorted(docs, key=len)
    step = max(batch_size // 4, 2)
    groups = [[d for d in by_length[start : start + step] if len(d)]
              for start in range(0, len(by_length), step)]
    return [group for group in groups if group]
