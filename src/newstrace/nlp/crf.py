"""Linear-chain CRFs trained with CRFsuite: the machinery shared by newstrace's taggers.

Two taggers are linear-chain CRFs: the attribution role tagger
(:mod:`newstrace.claims.tagger`, domain) and the entity tagger distilled from spaCy's
recogniser (:mod:`newstrace.nlp.fastparse.distilled_entities`, part of the parse's
accelerator). What they share lives here: opening a CRFsuite model
(:func:`crfsuite_tagger`), the neighbour-window features both build
(:func:`neighbour_windows`), BIO labels read back as spans (:func:`spans_of`), and
:class:`LinearChainCRF`, a batch decoder of a CRFsuite model.

CRFsuite's own tagger takes one sequence a call and finds each feature string in an
ordered tree of tens of thousands of attributes. :class:`LinearChainCRF` reads the
model's file once into a weight matrix (attribute x label) and a transition matrix: a
feature is one dictionary lookup, every token's label scores are one summation, and
Viterbi steps all the sequences of a batch together. The scores are summed in
CRFsuite's order, in double precision, and ties go the same way, so the labels are
CRFsuite's own (tested on PolNeAR dev against ``pycrfsuite``).

    >>> from newstrace.nlp.fastparse.distilled_entities import MODEL
    >>> crf = LinearChainCRF.load(MODEL)
    >>> crf.labels[:4], len(crf.row_of)
    (['O', 'B-ORG', 'I-ORG', 'B-NORP'], 34720)
    >>> [len(labels) for labels in crf.tag([[["b", "w=biden"], ["b", "w=said"]], []])]
    [2, 0]
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

#: The neighbours a token's window features read (:func:`neighbour_windows`).
OFFSETS = (-2, -1, 1, 2)

_HEADER = struct.Struct("<4sI4sIIIIIIIII")  # crf1d model file: magic, size, type, counts, offsets
_FEATURE = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")])
_STATE, _TRANSITION = 0, 1


class LinearChainCRF:
    """Labels, attributes and weights of a CRFsuite ``crf1d`` model."""

    def __init__(self, labels: list[str], attributes: list[str], state: np.ndarray,
                 transition: np.ndarray) -> None:
        self.labels = labels
        #: attribute string -> its row in ``state`` (from 1: row 0, unused, is zeros)
        self.row_of = {a: n + 1 for n, a in enumerate(attributes)}
        self.state = state
        self.transition = transition

    @classmethod
    @cache
    def load(cls, path: Path) -> LinearChainCRF:
        """The model stored at ``path`` by CRFsuite's trainer (read once per process)."""
        data = Path(path).read_bytes()
        (magic, _size, kind, _version, _features, n_labels, n_attributes, at_features,
         at_labels, at_attributes, _, _) = _HEADER.unpack_from(data)
        if magic != b"lCRF" or kind != b"FOMC":
            raise ValueError(f"{path}: not a CRFsuite crf1d model")
        chunk, _, count = struct.unpack_from("<4sII", data, at_features)
        if chunk != b"FEAT":
            raise ValueError(f"{path}: no feature table where the header says")
        features = np.frombuffer(data, dtype=_FEATURE, count=count, offset=at_features + 12)
        labels = _strings(data, at_labels, n_labels)
        attributes = _strings(data, at_attributes, n_attributes)
        state = np.zeros((n_attributes + 1, n_labels), dtype=np.float64)
        transition = np.zeros((n_labels, n_labels), dtype=np.float64)
        on = features[features["type"] == _STATE]
        state[on["src"].astype(np.int64) + 1, on["dst"]] = on["weight"]
        on = features[features["type"] == _TRANSITION]
        transition[on["src"], on["dst"]] = on["weight"]
        return cls(labels, attributes, state, transition)

    def tag(self, sequences: Sequence[Sequence[Sequence[str]]]) -> list[list[str]]:
        """The most likely labels of each sequence (a list of tokens' feature strings)."""
        tokens = [token for s in sequences for token in self.rows(s)]
        bounds = np.zeros(len(tokens) + 1, dtype=np.int64)
        np.cumsum([len(token) for token in tokens], out=bounds[1:])
        flat = np.fromiter(chain.from_iterable(tokens), dtype=np.int64, count=int(bounds[-1]))
        return self.tag_csr(flat, bounds, [len(s) for s in sequences])

    def rows(self, features: Sequence[Sequence[str]]) -> list[list[int]]:
        """Each token's attribute rows; features the model does not know are left out, as
        CRFsuite leaves them."""
        row_of = self.row_of
        return [[*filter(None, map(row_of.get, token))] for token in features]

    def tag_csr(self, rows: np.ndarray, bounds: np.ndarray, lengths: Sequence[int]
                ) -> list[list[str]]:
        """:meth:`tag` of sequences of ``lengths`` tokens whose attribute rows are
        ``rows[bounds[t]:bounds[t + 1]]`` for token ``t`` (all sequences' tokens in turn)."""
        from scipy.sparse import csr_matrix

        lengths = list(lengths)
        if len(bounds) <= 1:
            return [[] for _ in lengths]
        # a token's scores: its attributes' rows added one after another onto zeros, as
        # CRFsuite adds them (a sparse product runs down each row's entries in order)
        ones = csr_matrix((np.ones(len(rows)), rows, bounds),
                          shape=(len(bounds) - 1, len(self.state)))
        scores = ones @ self.state
        best = _viterbi(scores, lengths, self.transition)
        names = self.labels
        out, at = [], 0
        for n in lengths:
            out.append([names[i] for i in best[at : at + n]])
            at += n
        return out


def _viterbi(scores: np.ndarray, lengths: list[int], transition: np.ndarray) -> list[int]:
    """The best label path of every sequence (``scores``: the sequences' tokens one after
    another), all stepped together, longest first; the labels in the order of ``scores``.

    As CRFsuite: a path's score to a label is the best ``previous + transition`` (the
    first best on a tie), plus the token's own score; the last label is the first best.
    """
    order = sorted(range(len(lengths)), key=lambda s: -lengths[s])
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    first = starts[order]
    sizes = np.array([lengths[s] for s in order], dtype=np.int64)
    longest, n_labels = int(sizes[0]), transition.shape[0]
    alive_at = [int(np.count_nonzero(sizes > t)) for t in range(longest + 1)]
    back = np.zeros((longest, len(order), n_labels),
                    dtype=np.uint8 if n_labels < 256 else np.int64)
    final = np.zeros((len(order), n_labels), dtype=np.float64)
    current = scores[first[: alive_at[0]]]
    for t in range(1, longest):
        alive = alive_at[t]  # the sequences still going are the first ``alive``
        final[alive : alive_at[t - 1]] = current[alive:]
        total = current[:alive, :, None] + transition  # (sequence, from, to)
        came = total.argmax(axis=1)
        back[t, :alive] = came
        current = np.take_along_axis(total, came[:, None, :], axis=1)[:, 0, :]
        current += scores[first[:alive] + t]
    final[: alive_at[longest - 1]] = current
    label = final.argmax(axis=1)
    path = np.zeros(len(scores), dtype=np.int64)
    rows = np.arange(len(order))
    for t in range(longest - 1, -1, -1):
        longer = alive_at[t + 1]  # these have a token after t: follow its back link
        if longer:
            label[:longer] = back[t + 1, rows[:longer], label[:longer]]
        path[first[: alive_at[t]] + t] = label[: alive_at[t]]
    return path.tolist()


def _strings(data: bytes, offset: int, count: int) -> list[str]:
    """The ``count`` strings of the CQDB (CRFsuite's string table) at ``offset``, by id."""
    chunk, _size, _flag, _order, backward_size, backward_at = struct.unpack_from(
        "<4sIIIII", data, offset)
    if chunk != b"CQDB" or backward_size < count:
        raise ValueError("not a CRFsuite string table")
    at = np.frombuffer(data, dtype="<u4", count=count, offset=offset + backward_at)
    strings = []
    for record in at.tolist():
        _id, size = struct.unpack_from("<II", data, offset + record)
        start = offset + record + 8
        strings.append(data[start : start + size - 1].decode("utf-8", "surrogateescape"))
    return strings


@cache
def crfsuite_tagger(path: Path) -> Any:
    """CRFsuite's own tagger (``pycrfsuite.Tagger``) of the model stored at ``path``,
    opened once per process."""
    import pycrfsuite

    if not path.is_file():
        what = "entities" if path.stem == "entities" else "attributions"
        raise FileNotFoundError(f"model missing at {path}: "
                                f"python -m newstrace.claims.training {what} SPLIT")
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    return tagger


#: Each token's features as its neighbours see them, by column values, one table per
#: columns and edge: a news vocabulary repeats, so most tokens cost one lookup (bounded
#: for long-running servers).
_SEEN_FROM: dict[tuple[Any, ...], dict[Any, tuple[tuple[str, ...], ...]]] = {}
_MAX_SEEN = 300_000


def neighbour_windows(columns: tuple[tuple[str, list[str]], ...], edge: str
                      ) -> list[tuple[str, ...]]:
    """For each token, the features of the tokens two either side of it: for each offset,
    ``"{offset}{name}={value}"`` per column, or one ``"{offset}w={edge}"`` off the edge.

    >>> neighbour_windows((("w", ["a", "b"]),), "<edge>")[0]
    ('-2w=<edge>', '-1w=<edge>', '1w=b', '2w=<edge>')
    """
    names = tuple(n for n, _ in columns)
    table = _SEEN_FROM.get((names, edge))
    if table is None or len(table) > _MAX_SEEN:
        table = _SEEN_FROM[(names, edge)] = {None: tuple((f"{o}w={edge}",) for o in OFFSETS)}
    off_edge = table[None]
    seen = [off_edge, off_edge]  # token i at i + 2, two edge tokens each side
    get = table.get
    for values in zip(*(v for _, v in columns), strict=True):
        block = get(values)
        if block is None:
            block = table[values] = tuple(
                tuple(f"{o}{n}={value}" for n, value in zip(names, values, strict=True))
                for o in OFFSETS)
        seen.append(block)
    seen += [off_edge, off_edge]
    return [(*seen[i][0], *seen[i + 1][1], *seen[i + 3][2], *seen[i + 4][3])
            for i in range(len(seen) - 4)]


def spans_of(labels: list[str]) -> list[tuple[str, int, int]]:
    """(type, start token, end token) runs of BIO labels; a stray ``I-`` opens a span.

    >>> spans_of(["B-Source", "I-Source", "B-Cue", "O", "I-Content", "I-Content"])
    [('Source', 0, 2), ('Cue', 2, 3), ('Content', 4, 6)]
    """
    spans: list[tuple[str, int, int]] = []
    role, start = None, 0
    for i, label in enumerate([*labels, "O"]):
        kind, _, name = label.partition("-")
        if role is not None and (kind != "I" or name != role):
            spans.append((role, start, i))
            role = None
        if kind in ("B", "I") and role is None:
            role, start = name, i
    return spans
