"""spaCy's own entity recogniser, its greedy decoding run for a whole batch at once.

The small English model's recogniser reads each paragraph token by token: a
transition system (Begin, In, Last, Unit, Out, per label) whose next move is the
best-scoring *valid* one. spaCy scores every state of a batch together but then
checks each move of each state one call at a time, which costs more than its
network.

Every move consumes exactly one token, so step ``t`` of every paragraph can be
taken together: the validity of all moves of all states is a few boolean array
operations (no entity open, the next token starting a sentence, a whitespace
token...), and scores come from the same precomputed feature table, summed in the
same order. The network (token encoder, precomputed lower layer, upper layer) is
the model's own and runs unchanged.

The result is the recogniser's, entity for entity (checked on PolNeAR dev and the
seeds; tested). The component is built only where its rules are exactly those spaCy
applies (:func:`check_recognizer`): greedy decoding, spaCy's ``BiluoPushDown`` system
with the moves this module knows, the three "ner" state features (the next token, the
open entity's first token and the previous token); otherwise the loader keeps the
model's own recogniser (:mod:`.model`). A batch with preset entities goes to the
model's recogniser.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from spacy.language import Language

from newstrace.nlp.fastparse.checks import require
from newstrace.nlp.fastparse.transition_network import (
    BATCHES_DECODED_TOGETHER,
    TransitionNetwork,
    spacy_groups,
)

#: The component's name and factory in spaCy's registry.
NAME = "newstrace_entity_decoder"

# spaCy's BILUO move types (spacy.pipeline._parser_internals.ner)
_BEGIN, _IN, _LAST, _UNIT, _OUT = range(1, 6)
_MOVE_OF = {"B": _BEGIN, "I": _IN, "L": _LAST, "U": _UNIT, "O": _OUT}

#: The tokens a state's features read (spaCy's "ner" state, no extra tokens).
FEATURES = 3


def check_recognizer(recognizer: Any) -> TransitionNetwork:
    """The recogniser's network, if this decoder's rules are exactly the recogniser's
    (:class:`~.checks.Unsupported` otherwise)."""
    from spacy.pipeline._parser_internals.ner import BiluoPushDown

    moves = recognizer.moves
    require(isinstance(moves, BiluoPushDown), f"a {type(moves).__name__} transition "
            "system, not spaCy's BiluoPushDown")
    require(callable(getattr(moves, "get_class_name", None)),
            "the transition system names no moves")
    names = [moves.get_class_name(i) for i in range(moves.n_moves)]
    unknown = sorted({n.split("-", 1)[0] for n in names} - set(_MOVE_OF))
    require(not unknown, f"moves of unknown kinds {unknown}")
    return TransitionNetwork.of(recognizer, features=FEATURES)


class BatchedEntityRecognizer:
    """A spaCy component: ``recognizer``'s entities, decoded a batch at a time. The parse
    (:func:`newstrace.nlp.fastparse.pipeline`) runs it in place of the model's "ner"."""

    def __init__(self, recognizer: Any) -> None:
        self.network = check_recognizer(recognizer)
        self.recognizer = recognizer
        moves = recognizer.moves
        names = [moves.get_class_name(i) for i in range(moves.n_moves)]
        self.move = np.array([_MOVE_OF[n.split("-", 1)[0]] for n in names])
        labels = sorted({n.split("-", 1)[1] for n in names if "-" in n} - {""})
        self.labels = labels
        index = {label: i for i, label in enumerate(labels)}
        # the label of each move (-1: none, as "O" and the blocking "U-")
        self.label = np.array([index.get(n.split("-", 1)[1], -1) if "-" in n else -1
                               for n in names])

    def __call__(self, doc: Any) -> Any:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Any], batch_size: int = 256) -> Iterator[Any]:
        from spacy.util import minibatch

        for batch in minibatch(docs, size=batch_size * BATCHES_DECODED_TOGETHER):
            batch = list(batch)
            if any(t.ent_iob != 0 for doc in batch for t in doc):  # a preset entity
                yield from self.recognizer.pipe(batch, batch_size=batch_size)
                continue
            # the network runs in sub-batches of spaCy's size; the decoding then steps
            # through the whole batch at once
            self._recognize(spacy_groups(batch, batch_size))
            yield from batch

    def _recognize(self, groups: list[list[Any]]) -> None:
        from spacy.attrs import IS_SPACE, SENT_START
        from spacy.tokens import Span

        if not groups:
            return
        docs = [doc for group in groups for doc in group]
        table = self.network.table(groups)
        lengths = np.array([len(d) for d in docs])
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        arrays = [d.to_array([SENT_START, IS_SPACE]) for d in docs]
        # per token of the batch: the next token starts a sentence / is whitespace
        sent_start = np.concatenate([a[:, 0] for a in arrays]).astype(np.int64)
        next_starts = np.zeros(len(sent_start) + 1, dtype=bool)
        next_starts[:-2] = sent_start[1:] == 1
        space = np.concatenate([a[:, 1] for a in arrays]).astype(bool)
        entities = _decode(self.network, table, lengths, offsets, next_starts, space,
                           self.move, self.label)
        for n, doc in enumerate(docs):
            doc.set_ents([Span(doc, start, end, label=self.labels[label])
                          for start, end, label in sorted(entities[n])], default="outside")


@Language.factory(NAME, default_config={"recognizer": "ner"},
                  assigns=["doc.ents", "token.ent_iob", "token.ent_type"])
def make_entity_decoder(nlp: Language, name: str, recognizer: str) -> BatchedEntityRecognizer:
    """spaCy's factory: the batch decoder of the pipeline's component ``recognizer``."""
    return BatchedEntityRecognizer(nlp.get_pipe(recognizer))


def _valid_moves(move: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Which moves are valid (``ner.pyx``'s rules, no preset entities), for each case.

    Cases 0-3, no entity open: ``2 * may_go_on + whitespace``, where *may_go_on* says two
    tokens or more are left and the next one does not start a sentence. Case ``4 + 2 * k
    + may_go_on``: an entity of label ``k`` is open.

    >>> m = np.array([_BEGIN, _IN, _LAST, _UNIT, _UNIT, _OUT])
    >>> masks = _valid_moves(m, np.array([0, 0, 0, 0, -1, -1]))
    >>> masks.astype(int).tolist()[2:5]
    [[1, 0, 0, 1, 0, 1], [0, 0, 0, 0, 0, 1], [0, 0, 1, 0, 0, 0]]
    """
    labelled = label >= 0
    n_labels = int(label.max(initial=-1)) + 1
    masks = np.zeros((4 + 2 * n_labels, len(move)), dtype=bool)
    for may_go_on in (0, 1):
        for white in (0, 1):
            closed = masks[2 * may_go_on + white]
            closed[(move == _BEGIN) & labelled] = bool(may_go_on and not white)
            closed[(move == _UNIT) & labelled] = not white
            closed[move == _OUT] = True
        for k in range(n_labels):
            opened = masks[4 + 2 * k + may_go_on]
            opened[(move == _IN) & (label == k)] = bool(may_go_on)
            opened[(move == _LAST) & (label == k)] = True
    return masks


def _decode(network: TransitionNetwork, table: np.ndarray, lengths: np.ndarray,
            offsets: np.ndarray, next_starts: np.ndarray, space: np.ndarray,
            move: np.ndarray, label: np.ndarray) -> list[list[tuple[int, int, int]]]:
    """(start, end, label index) of every entity of every document, by greedy decoding.

    ``next_starts[i]`` says whether batch token ``i + 1`` starts a sentence *within
    the same document* (false at a document's last token).
    """
    n_docs = len(lengths)
    order = np.argsort(-lengths, kind="stable")  # active documents: a prefix
    lengths, offsets = lengths[order], offsets[order]
    # next_starts is indexed by batch token; the last token of a document has no next
    last = offsets + lengths - 1
    next_starts = next_starts.copy()
    next_starts[last] = False
    features = table  # (tokens + 1, F, hidden * pieces)
    masks = _valid_moves(move, label)
    open_label = np.full(n_docs, -1)
    open_start = np.zeros(n_docs, dtype=np.int64)
    found: list[list[tuple[int, int, int]]] = [[] for _ in range(n_docs)]
    for t in range(int(lengths.max(initial=0))):
        n = int(np.count_nonzero(lengths > t))
        tokens = offsets[:n] + t
        opened = open_label[:n] >= 0
        # the state's features, as spaCy sums them: the next token, the open
        # entity's first token and the previous one (padding row 0 when none)
        total = features[tokens + 1, 0].copy()
        total += features[np.where(opened, offsets[:n] + open_start[:n] + 1, 0), 1]
        total += features[np.where(opened, tokens, 0), 2]
        scores = network.scores(total)
        # the valid moves (ner.pyx, no preset entities), by the state's case
        may_go_on = (lengths[:n] - t >= 2) & ~next_starts[tokens]
        case = np.where(opened, 4 + 2 * open_label[:n] + may_go_on,
                        2 * may_go_on + space[tokens])
        scores[~masks[case]] = -np.inf
        best = scores.argmax(axis=1)
        kind, which = move[best], label[best]
        for row in np.flatnonzero((kind == _LAST) | (kind == _UNIT)).tolist():
            begin = int(open_start[row]) if kind[row] == _LAST else t
            found[order[row]].append((begin, t + 1, int(which[row])))
        begins = kind == _BEGIN
        open_start[:n][begins] = t
        open_label[:n] = np.where(begins, which, np.where(kind == _LAST, -1, open_label[:n]))
    return found
