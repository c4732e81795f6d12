"""spaCy's own dependency parser, its greedy decoding run for a whole batch at once.

The small English model parses with spaCy's arc-eager transition system (shift,
reduce, left and right arcs per label, sentence break): at each step every state of a
batch is scored together, then spaCy checks each of its moves state by state and
sums each state's eight feature rows with the blis package's generic kernels: most of
the parser's time goes there, not into its network.

Here the states of the whole batch live in arrays (stack, buffer, pushed-back tokens,
heads, each head's most recent left and right child) and step together: the features
are gathered and summed in spaCy's order, the moves' validity is five boolean
columns, and each kind of move is applied to all the states that chose it. The network
(the shared token encoder's listener, precomputed lower layer, upper layer) is the
model's own and runs unchanged, sub-batch for sub-batch as spaCy runs it; the finished
arcs are written as spaCy writes them and its own projectivity post-process runs.

The result is the parser's, arc for arc and label for label (checked on PolNeAR dev and
the seeds; tested). The component is built only where its rules are exactly spaCy's
(:func:`check_parser`): greedy decoding, spaCy's ``ArcEager`` system with the moves this
module knows (no "subtok" label), the eight "parser" state features; otherwise the
loader keeps the model's own parser (:mod:`.model`). Paragraphs it cannot step (too
long to gain, or a state left with no valid move) go to the model's parser.
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
NAME = "newstrace_dependency_decoder"

# spaCy's arc-eager move types (spacy.pipeline._parser_internals.arc_eager)
_SHIFT, _REDUCE, _LEFT, _RIGHT, _BREAK = range(5)
_MOVE_OF = {"S": _SHIFT, "D": _REDUCE, "L": _LEFT, "R": _RIGHT, "B": _BREAK}


#: The tokens a state's features read (spaCy's "parser" state, no extra tokens).
FEATURES = 8

#: Paragraphs longer than this (in tokens) are parsed by spaCy's own loop.
LONG = 80


class _NoValidMove(Exception):
    """A state with no valid move (spaCy forces it final): left to spaCy's parser."""


def check_parser(parser: Any) -> TransitionNetwork:
    """The parser's network, if this decoder's rules are exactly the parser's
    (:class:`~.checks.Unsupported` otherwise)."""
    from spacy.pipeline._parser_internals.arc_eager import ArcEager

    moves = parser.moves
    require(isinstance(moves, ArcEager), f"a {type(moves).__name__} transition system, "
            "not spaCy's ArcEager")
    require(callable(getattr(moves, "get_class_name", None)) and hasattr(moves, "root_label"),
            "the transition system names no moves or root label")
    require(isinstance(getattr(parser, "postprocesses", None), (list, tuple)),
            "the parser has no post-processes list")
    names = [moves.get_class_name(i) for i in range(moves.n_moves)]
    unknown = sorted({n.split("-", 1)[0] for n in names} - set(_MOVE_OF))
    require(not unknown, f"moves of unknown kinds {unknown}")
    require(not any(n.split("-", 1)[-1] == "subtok" for n in names),
            "a 'subtok' label (token merging)")
    return TransitionNetwork.of(parser, features=FEATURES)


class BatchedDependencyParser:
    """A spaCy component: ``parser``'s dependency parse, decoded a batch at a time."""

    def __init__(self, parser: Any) -> None:
        self.network = check_parser(parser)
        self.parser = parser
        moves = parser.moves
        names = [moves.get_class_name(i) for i in range(moves.n_moves)]
        kinds = [n.split("-", 1)[0] for n in names]
        self.move = np.array([_MOVE_OF[k] for k in kinds])
        strings = parser.vocab.strings
        labels = [n.split("-", 1)[1] if "-" in n else "" for n in names]
        self.label = np.array([strings.add(label) if label else 0 for label in labels],
                              dtype=np.uint64)
        self.root = moves.root_label

    def __call__(self, doc: Any) -> Any:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Any], batch_size: int = 256) -> Iterator[Any]:
        from spacy.util import minibatch

        for batch in minibatch(docs, size=batch_size * BATCHES_DECODED_TOGETHER):
            batch = list(batch)
            # long paragraphs to spaCy's loop: stepping in arrays costs the same per
            # step however few states are left, and a long one leaves few
            try:
                self._parse(spacy_groups([d for d in batch if len(d) <= LONG], batch_size))
                rest = [d for d in batch if len(d) > LONG]
            except _NoValidMove:  # nothing was written: spaCy parses the whole batch
                rest = batch
            if rest:
                for _ in self.parser.pipe(rest, batch_size=batch_size):
                    pass
            yield from batch

    def _parse(self, groups: list[list[Any]]) -> None:
        from spacy.attrs import DEP, HEAD, SENT_START

        if not groups:
            return
        docs = [doc for group in groups for doc in group]
        table = self.network.table(groups)
        lengths = np.array([len(d) for d in docs])
        width = int(lengths.max()) + 1
        sent_start = np.zeros((len(docs), width), dtype=np.int64)
        for n, doc in enumerate(docs):
            sent_start[n, : len(doc)] = doc.to_array(SENT_START).astype(np.int64)
        heads, labels = _decode(self.network, table, lengths, sent_start, self.move,
                                self.label)
        for n, doc in enumerate(docs):
            size = len(doc)
            head = heads[n, :size]
            rows = np.arange(size)
            rootless = head < 0
            relative = np.where(rootless, 0, head - rows).astype(np.int64).astype(np.uint64)
            dep = np.where(rootless, np.uint64(self.root), labels[n, :size])
            doc.from_array([HEAD, DEP], np.stack([relative, dep], axis=1))
            for hook in self.parser.postprocesses:
                hook(doc)


@Language.factory(NAME, default_config={"parser": "parser"},
                  assigns=["token.dep", "token.head", "token.is_sent_start", "doc.sents"])
def make_dependency_decoder(nlp: Language, name: str, parser: str) -> BatchedDependencyParser:
    """spaCy's factory: the batch decoder of the pipeline's component ``parser``."""
    return BatchedDependencyParser(nlp.get_pipe(parser))


def _decode(network: TransitionNetwork, table: np.ndarray, lengths: np.ndarray,
            sent_start: np.ndarray, move: np.ndarray, label: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Absolute heads (-1: none) and labels of every token of every document."""
    n_docs, width = sent_start.shape
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]) + 1  # +1: the padding row
    stack = np.zeros((n_docs, width), dtype=np.int64)
    depth = np.zeros(n_docs, dtype=np.int64)
    pushed_back = np.zeros((n_docs, width), dtype=np.int64)  # spaCy's "rebuffer"
    n_back = np.zeros(n_docs, dtype=np.int64)
    next_word = np.zeros(n_docs, dtype=np.int64)  # the buffer's first unread token
    heads = np.full((n_docs, width), -1, dtype=np.int64)
    labels = np.zeros((n_docs, width), dtype=np.uint64)
    added = np.zeros((n_docs, width), dtype=np.int64)  # when each token's arc was added
    last_left = np.full((n_docs, width), -1, dtype=np.int64)
    last_right = np.full((n_docs, width), -1, dtype=np.int64)
    unshiftable = np.zeros((n_docs, width), dtype=bool)
    breaks = np.zeros((n_docs, width), dtype=bool)
    starts_here = sent_start == 1
    cannot_start = sent_start == -1
    kinds = len(_MOVE_OF)
    step = 0
    active = np.arange(n_docs)
    while len(active):
        step += 1
        a = active
        d, back, word, length = depth[a], n_back[a], next_word[a], lengths[a]
        unread = word < length
        b0 = np.where(back > 0, pushed_back[a, np.maximum(back - 1, 0)],
                      np.where(unread, word, -1))
        b1 = np.where(back > 1, pushed_back[a, np.maximum(back - 2, 0)],
                      np.where(back == 1, np.where(unread, word, -1),
                               np.where(word + 1 < length, word + 1, -1)))
        s0, s1, s2 = (np.where(d > k, stack[a, np.maximum(d - 1 - k, 0)], -1)
                      for k in range(3))
        left_of_b0 = np.where(b0 >= 0, last_left[a, np.maximum(b0, 0)], -1)
        left_of_s0 = np.where(s0 >= 0, last_left[a, np.maximum(s0, 0)], -1)
        right_of_s0 = np.where(s0 >= 0, last_right[a, np.maximum(s0, 0)], -1)
        # spaCy's eight features, summed in its order onto zeros, then the bias
        offset = offsets[a]
        total = None
        for f, token in enumerate((b0, b1, s0, s1, s2, left_of_b0, left_of_s0, right_of_s0)):
            rows = table[np.where(token >= 0, token + offset, 0), f]
            if total is None:
                total = rows.copy()
            else:
                total += rows
        assert total is not None
        scores = network.scores(total)
        # the moves' validity (arc_eager.pyx)
        buffered = (length - word) + back
        b0_at, b1_at = np.maximum(b0, 0), np.maximum(b1, 0)
        b0_starts = (b0 >= 0) & (starts_here[a, b0_at] | breaks[a, b0_at])
        b1_starts = (b1 >= 0) & (starts_here[a, b1_at] | breaks[a, b1_at])
        shift = (d == 0) | ((buffered >= 2) & ~b0_starts & ~((b0 >= 0) & unshiftable[a, b0_at]))
        reduce = (d > 0) & ((buffered == 0) | ~((d == 1) & (b0 >= 0) & cannot_start[a, b0_at]))
        arc = (d > 0) & (buffered > 0) & ~b0_starts
        brk = ((buffered >= 2) & (b1 == b0 + 1) & ~b1_starts
               & ~((b1 >= 0) & cannot_start[a, b1_at]))
        valid = np.empty((len(a), kinds), dtype=bool)
        valid[:, _SHIFT], valid[:, _REDUCE], valid[:, _BREAK] = shift, reduce, brk
        valid[:, _LEFT] = valid[:, _RIGHT] = arc
        if not (shift | reduce | arc | brk).all():  # every kind has moves
            raise _NoValidMove
        allowed = valid[:, move]
        scores[~allowed] = -np.inf
        best = scores.argmax(axis=1)
        kind, arc_label = move[best], label[best]
        # right arcs: S0 -> B0 (then B0 is pushed); left arcs: B0 -> S0 (then S0 popped)
        right, left = kind == _RIGHT, kind == _LEFT
        if right.any():
            _add_arcs(a[right], s0[right], b0[right], arc_label[right], step, heads, labels,
                      added, last_left, last_right, lengths)
        if left.any():
            _add_arcs(a[left], b0[left], s0[left], arc_label[left], step, heads, labels,
                      added, last_left, last_right, lengths)
            unshiftable[a[left], b0[left]] = False
        reduce_now = kind == _REDUCE
        has_head = heads[a, np.maximum(s0, 0)] >= 0
        unshift = reduce_now & ~has_head & (d > 1)
        if unshift.any():  # a headless token goes back to the buffer, never to be shifted
            rows, token = a[unshift], s0[unshift]
            unshiftable[rows, token] = True
            pushed_back[rows, n_back[rows]] = token
            n_back[rows] += 1
        depth[a[reduce_now | left]] -= 1
        push = (kind == _SHIFT) | right
        if push.any():
            rows = a[push]
            from_back = n_back[rows] > 0
            token = np.where(from_back, pushed_back[rows, np.maximum(n_back[rows] - 1, 0)],
                             next_word[rows])
            n_back[rows] -= from_back
            next_word[rows] += ~from_back
            stack[rows, depth[rows]] = token
            depth[rows] += 1
        brk_now = kind == _BREAK
        if brk_now.any():
            breaks[a[brk_now], b1[brk_now]] = True
        done = (depth[a] == 0) & (next_word[a] >= lengths[a]) & (n_back[a] == 0)
        active = a[~done]
    return heads, labels


def _add_arcs(rows: np.ndarray, head: np.ndarray, child: np.ndarray, arc_label: np.ndarray,
              step: int, heads: np.ndarray, labels: np.ndarray, added: np.ndarray,
              last_left: np.ndarray, last_right: np.ndarray, lengths: np.ndarray) -> None:
    """spaCy's ``StateC.add_arc`` for one arc per row: a child's earlier arc is deleted
    first (its old head's most recent child then becomes the one before)."""
    old = heads[rows, child]
    heads[rows, child] = head
    labels[rows, child] = arc_label
    added[rows, child] = step
    for n in np.flatnonzero(old >= 0).tolist():  # re-attachments are rare
        row, was, kid = int(rows[n]), int(old[n]), int(child[n])
        side = last_left if was > kid else last_right
        if side[row, was] == kid:
            size = int(lengths[row])
            kids = np.flatnonzero(heads[row, :size] == was)
            kids = kids[kids < was] if was > kid else kids[kids > was]
            side[row, was] = int(kids[np.argmax(added[row, kids])]) if len(kids) else -1
    toward_left = head > child
    last_left[rows[toward_left], head[toward_left]] = child[toward_left]
    last_right[rows[~toward_left], head[~toward_left]] = child[~toward_left]
