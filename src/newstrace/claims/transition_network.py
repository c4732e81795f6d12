"""The network of a spaCy transition-based component, for decoders that step a batch at once.

spaCy's dependency parser and entity recogniser share one design: a token encoder, a
"lower" layer precomputed for every token and feature slot (a state's hidden layer is
the sum of its features' rows, a maxout), and an "upper" layer scoring the moves. The
batch decoders (:mod:`.dependency_decoder`, :mod:`.entity_decoder`) run this network
unchanged and do the stepping themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: Pipeline batches a decoder steps through together: a step costs about the same for a
#: few states as for many, so four batches of 256 paragraphs take 1.5x less time to
#: decode than one at a time (the network still runs in spaCy's sub-batches; the
#: pipeline's own batches stay at 256, where its products run fastest).
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
    greedy: bool  # one state a document (beam width 1), an upper layer, no unseen moves

    @classmethod
    def of(cls, component: Any) -> TransitionNetwork:
        model = component.model
        lower, upper = model.get_ref("lower"), model.get_ref("upper")
        return cls(
            tok2vec=model.get_ref("tok2vec"), lower=lower,
            weights=np.ascontiguousarray(upper.get_param("W").T),
            bias=upper.get_param("b"), lower_bias=lower.get_param("b").reshape(-1),
            features=lower.get_dim("nF"), pieces=lower.get_dim("nP"),
            greedy=(component.cfg.get("beam_width", 1) == 1
                    and bool(model.attrs.get("has_upper", False))
                    and not model.attrs.get("unseen_classes")))

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
    the rows are spaCy's own (checked on 82,706 tokens)."""
    by_length = sorted(docs, key=len)
    step = max(batch_size // 4, 2)
    groups = [[d for d in by_length[start : start + step] if len(d)]
              for start in range(0, len(by_length), step)]
    return [group for group in groups if group]
