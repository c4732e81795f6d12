"""The attribution tagger's features for a whole batch of paragraphs, as arrays.

:func:`newstrace.claims.tagger.paragraph_features` defines the CRF's features as
strings, token by token ("w=said", "dl=nsubj>say", "-1p=VERB", ...); it is what the
model is trained on. Tagging needs only each feature's row in the model, so here the
same features are found with arrays over every token of a batch: each kind of feature
("w=", "dl=", "-2q=", ...) is a column of value keys (string hashes of the token, its
head or its neighbours), the distinct keys of a column are named and looked up once
(and remembered), and each token's rows are laid out in the strings' order. The rows
are those of the strings, feature for feature and in the same order (tested on PolNeAR
dev and the seeds), so CRFsuite's sums and labels are unchanged; building them costs a
fraction of building the strings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from newstrace.claims.token_strings import (
    CLOSING,
    OPENING,
    STRAIGHT,
    VERBAL,
    feature_columns,
    in_quotation,
    token_strings,
)
from newstrace.nlp.crf import OFFSETS


class FeatureRows:
    """Builds the CSR layout (token rows and their attribute rows) of a batch's features
    for a model whose attribute rows ``row_of`` gives (0 or None: unknown)."""

    MAX_REMEMBERED = 300_000  # keys per kind of feature, for long-running servers

    def __init__(self, row_of: Callable[[str], int | None]) -> None:
        self.row_of = row_of
        self.tables: dict[str, dict[Any, int]] = {}
        self.constant = {f: row_of(f) or 0 for f in ("b", "first", "last", "title")}

    def _rows(self, kind: str, keys: list[Any], name: Callable[[Any], str]) -> np.ndarray:
        """The rows of feature ``kind`` for distinct value ``keys`` (a hash, or a pair of
        them), naming a key as its feature string the first time it is seen."""
        table = self.tables.setdefault(kind, {})
        if len(table) > self.MAX_REMEMBERED:
            table.clear()
        rows = list(map(table.get, keys))
        if None in rows:
            row_of = self.row_of
            for n, row in enumerate(rows):
                if row is None:
                    rows[n] = table[keys[n]] = row_of(name(keys[n])) or 0
        return np.array(rows, dtype=np.int64)

    def _column(self, kind: str, column: _Distinct, name: Callable[[Any], str]) -> np.ndarray:
        """Each token's row of feature ``kind`` of one value column."""
        return self._rows(kind, column.keys, name)[column.inverse]

    def _pairs(self, kind: str, first: _Distinct, second: _Distinct, at_first: np.ndarray,
               at_second: np.ndarray, name: Callable[[Any], str]) -> np.ndarray:
        """The rows of feature ``kind`` of value pairs: ``first``'s values at tokens
        ``at_first`` with ``second``'s at ``at_second``."""
        if len(at_first) == 0:
            return np.zeros(0, dtype=np.int64)
        width = len(second.keys)
        codes = first.inverse[at_first] * width + second.inverse[at_second]
        distinct = np.unique(codes)
        keys = list(zip([first.keys[c] for c in (distinct // width).tolist()],
                        [second.keys[c] for c in (distinct % width).tolist()], strict=True))
        return self._rows(kind, keys, name)[np.searchsorted(distinct, codes)]

    def __call__(self, docs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """(attribute rows, each token's start in them plus the end, tokens per doc) of
        ``docs``' features, in the order of the strings; unknown features left out."""
        lengths = [len(d) for d in docs]
        n = sum(lengths)
        if n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64), lengths
        vocab = docs[0].vocab
        strings = vocab.strings
        arrays = [feature_columns(d) for d in docs if len(d)]
        a = np.concatenate(arrays)
        head_rel, lemma, pos, tag, dep, shape, ent, sent, title, lower = a.T
        index = np.arange(n)
        first_of = np.repeat(np.cumsum([0, *lengths[:-1]]), lengths)  # each token's doc start
        end_of = first_of + np.repeat(lengths, lengths)
        heads = (index + head_rel.astype(np.int64))
        text = _Names(vocab)
        pos_names = np.array(token_strings(vocab, pos.tolist()), dtype=object)
        verbal = np.isin(pos_names, VERBAL)
        starts = sent.astype(np.int64) == 1
        starts[first_of == index] = True
        quoted = self._quoted(docs, lower, lengths, strings)

        words, lemmas, parts, tags = (_Distinct(lower), _Distinct(lemma), _Distinct(pos),
                                      _Distinct(tag))
        labels = _Distinct(dep)
        column, pairs_of = self._column, self._pairs
        columns: list[np.ndarray] = [
            np.full(n, self.constant["b"]),
            column("w", words, lambda k: "w=" + text(k)),
            column("l", lemmas, lambda k: "l=" + text(k, lower=True)),
            column("p", parts, lambda k: "p=" + text(k)),
            column("t", tags, lambda k: "t=" + text(k)),
            column("d", labels, lambda k: "d=" + text(k)),
            pairs_of("dl", labels, lemmas, index, heads,
                     lambda k: "dl=" + text(k[0]) + ">" + text(k[1], lower=True)),
            column("hp", parts, lambda k: "hp=" + text(k))[heads],
            pairs_of("lp", lemmas, parts, index, index,
                     lambda k: "lp=" + text(k[0], lower=True) + "/" + text(k[1])),
            column("s3", words, lambda k: "s3=" + text(k)[-3:]),
            column("sh", _Distinct(shape), lambda k: "sh=" + text(k)[:4]),
            column("e", _Distinct(ent), lambda k: "e=" + text(k)),
            np.where(quoted, self.row_of("q=1") or 0, self.row_of("q=0") or 0),
            np.where(starts, self.constant["first"], 0),
        ]
        ends = np.ones(n, dtype=bool)  # the next token starts a sentence, or there is none
        has_next = index + 1 < end_of
        ends[has_next] = starts[np.flatnonzero(has_next) + 1]
        columns.append(np.where(ends, self.constant["last"], 0))
        columns.append(np.where(title.astype(bool), self.constant["title"], 0))
        columns += self._children(heads, index, labels, verbal, text)
        columns += self._governors(heads, index, labels, lemmas, verbal, text)
        columns += self._windows(index, first_of, end_of, words, parts, quoted, text)
        # word pairs: "bi=" on a token with the next, "-bi=" on the next
        pairs = np.flatnonzero(has_next)
        after, before = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        after[pairs] = pairs_of("bi", words, words, pairs, pairs + 1,
                                lambda k: f"bi={text(k[0])}_{text(k[1])}")
        before[pairs + 1] = pairs_of("-bi", words, words, pairs, pairs + 1,
                                     lambda k: f"-bi={text(k[0])}_{text(k[1])}")
        columns += [after, before]
        slots = np.stack(columns, axis=1)
        present = slots > 0
        bounds = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(present.sum(axis=1), out=bounds[1:])
        return slots[present], bounds, lengths

    def _quoted(self, docs: Sequence[Any], lower: np.ndarray, lengths: list[int],
                strings: Any) -> np.ndarray:
        """Whether each token is inside a quotation, found only in the paragraphs that
        have a quotation mark."""
        marks = np.array([strings.add(m) for m in (*OPENING, *CLOSING, *STRAIGHT)],
                         dtype=np.uint64)
        is_mark = np.isin(lower, marks)
        quoted = np.zeros(len(lower), dtype=bool)
        start = 0
        for doc, size in zip(docs, lengths, strict=True):
            if is_mark[start : start + size].any():
                words = token_strings(doc.vocab, lower[start : start + size].tolist())
                quoted[start : start + size] = in_quotation(words)
            start += size
        return quoted

    def _children(self, heads: np.ndarray, index: np.ndarray, labels: _Distinct,
                  verbal: np.ndarray, text: _Names) -> list[np.ndarray]:
        """A verb's dependents' labels ("c=nsubj"), one column per dependent, in order."""
        child = np.flatnonzero((heads != index) & verbal[heads])
        if len(child) == 0:
            return []
        rows = self._column("c", labels, lambda k: "c=" + text(k))[child]
        parent = heads[child]
        order = np.argsort(parent, kind="stable")  # by verb, then by dependent
        parent, rows = parent[order], rows[order]
        group_start = np.flatnonzero(np.r_[True, parent[1:] != parent[:-1]])
        rank = np.arange(len(parent)) - np.repeat(group_start, np.diff(np.r_[group_start,
                                                                             len(parent)]))
        columns = [np.zeros(len(heads), dtype=np.int64) for _ in range(int(rank.max()) + 1)]
        for r, column in enumerate(columns):
            at = rank == r
            column[parent[at]] = rows[at]
        return columns

    def _governors(self, heads: np.ndarray, index: np.ndarray, labels: _Distinct,
                   lemmas: _Distinct, verbal: np.ndarray, text: _Names) -> list[np.ndarray]:
        """The nearest two verbs above each token, with the relation of the branch taken:
        "g1=nsubj>say", "g1r=nsubj", "g1v=say", then the same for the second."""
        n = len(heads)
        found = [(np.full(n, -1), np.full(n, -1)) for _ in range(2)]  # (branch, verb)
        child, h, depth = index.copy(), heads.copy(), np.zeros(n, dtype=np.int64)
        going = np.flatnonzero(h != child)
        while len(going):
            at = going[verbal[h[going]]]
            for d in (0, 1):
                mine = at[depth[at] == d]
                found[d][0][mine], found[d][1][mine] = child[mine], h[mine]
            depth[at] += 1
            child[going], h[going] = h[going], heads[h[going]]
            going = going[(h[going] != child[going]) & (depth[going] < 2)]
        columns = []
        for d, (branch, verb) in enumerate(found, start=1):
            has = np.flatnonzero(branch >= 0)
            both, relation, lemma = (np.zeros(n, dtype=np.int64) for _ in range(3))
            both[has] = self._pairs(f"g{d}", labels, lemmas, branch[has], verb[has],
                                    lambda k, d=d: f"g{d}={text(k[0])}>{text(k[1], lower=True)}")
            relation[has] = self._column(f"g{d}r", labels,
                                         lambda k, d=d: f"g{d}r={text(k)}")[branch[has]]
            lemma[has] = self._column(f"g{d}v", lemmas,
                                      lambda k, d=d: f"g{d}v={text(k, lower=True)}")[verb[has]]
            columns += [both, relation, lemma]
        return columns

    def _windows(self, index: np.ndarray, first_of: np.ndarray, end_of: np.ndarray,
                 words: _Distinct, parts: _Distinct, quoted: np.ndarray, text: _Names
                 ) -> list[np.ndarray]:
        """The tokens two either side: "-2w=", "-2p=", "-2q=" per offset, or a lone
        "-2w=<edge>" off the paragraph's edge."""
        columns = []
        for o in OFFSETS:
            at = index + o
            there = np.flatnonzero((at >= first_of) & (at < end_of))
            word = np.full(len(index), self.row_of(f"{o}w=<edge>") or 0)
            word[there] = self._column(f"{o}w", words,
                                       lambda k, o=o: f"{o}w={text(k)}")[at[there]]
            part = np.zeros(len(index), dtype=np.int64)
            part[there] = self._column(f"{o}p", parts,
                                       lambda k, o=o: f"{o}p={text(k)}")[at[there]]
            quote = np.zeros(len(index), dtype=np.int64)
            quote[there] = np.where(quoted[at[there]], self.row_of(f"{o}q=1") or 0,
                                    self.row_of(f"{o}q=0") or 0)
            columns += [word, part, quote]
        return columns


class _Distinct:
    """A column of value hashes as its distinct values (``keys``, Python ints) and each
    token's index among them (``inverse``)."""

    def __init__(self, column: np.ndarray) -> None:
        distinct = np.unique(column)  # a sort, then a search: faster than argsort's inverse
        self.keys: list[int] = distinct.tolist()
        self.inverse: np.ndarray = np.searchsorted(distinct, column)


class _Names:
    """A string hash's string, lower-cased if asked (the tagger's string tables)."""

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab

    def __call__(self, key: int, lower: bool = False) -> str:
        return token_strings(self.vocab, [key], lower=lower)[0]
