"""A learned attribution tagger: every token labelled source, cue, content or nothing.

PolNeAR's annotation is univocal: each token belongs to at most one attribution, in one
role. An article's attributions are therefore a tag sequence (``B-Cue``, ``I-Content``,
``O``...), which a linear-chain CRF learns well from words, lemmas, parts of speech, the
dependency path to the governing verb and whether a token sits inside a quotation.
The model is trained on PolNeAR's train split (:mod:`newstrace.claims.training`) and
ships with the package (6 MB); :mod:`newstrace.claims.attribution` turns its spans into
attributions. On PolNeAR dev, the attributions it yields reach source, cue and content
overlap F1 0.784, 0.773 and 0.809 (``benchmarks/claims_polnear.py``).

>>> from newstrace.claims.parsing import parse_many
>>> doc = parse_many(["Three sources told CNN that China is considering it."])[0][0].doc
>>> [(role, doc[start:end].text) for role, start, end in tag_spans(doc)]
[('Source', 'Three sources'), ('Cue', 'told'), ('Content', 'that China is considering it')]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from newstrace.claims.crf import LinearChainCRF

ROLES = ("Source", "Cue", "Content")
MODEL = Path(__file__).with_name("models") / "attribution.crfsuite"

_OPENING = {"“", "«", "„"}
_CLOSING = {"”", "»"}
_STRAIGHT = {'"'}


def _in_quotation(words: Sequence[str]) -> list[bool]:
    """Whether each token (by its text) lies inside a quotation (curly marks nest,
    straight ones toggle).

    >>> _in_quotation(["He", "said", "“", "no", "”", "."])
    [False, False, True, True, False, False]
    """
    inside, depth, straight = [], 0, False
    for text in words:
        if text in _OPENING:
            depth += 1
        elif text in _CLOSING:
            depth = max(0, depth - 1)
        elif text in _STRAIGHT:
            straight = not straight
        inside.append(depth > 0 or straight)
    return inside


#: string hash -> the string (lemmas, labels...), and lower-cased
_STRINGS: tuple[dict[int, str], dict[int, str]] = ({}, {})


def _strings(vocab: Any, hashes: list[int], lower: bool = False) -> list[str]:
    """The strings of ``hashes``, looked up once per process (and lower-cased if asked)."""
    table = _STRINGS[lower]
    out = list(map(table.get, hashes))
    if None in out:
        if len(table) > 1_000_000:  # a bound for long-running servers
            table.clear()
        for n, (h, text) in enumerate(zip(hashes, out, strict=True)):
            if text is None:
                text = vocab.strings[h] if h else ""
                out[n] = table[h] = text.lower() if lower else text
    return out


_OFFSETS = (-2, -1, 1, 2)
#: Each token's features as its neighbours see them, by column values, one table per
#: naming, columns and edge: a news vocabulary repeats, so most tokens cost one lookup
#: (bounded for long-running servers).
_SEEN_FROM: dict[tuple[Any, ...], dict[Any, tuple[tuple[Any, ...], ...]]] = {}
_MAX_SEEN = 300_000


def neighbour_windows(columns: tuple[tuple[str, list[str]], ...], edge: str,
                      name: Callable[[str], Any] = str) -> list[tuple[Any, ...]]:
    """For each token, the features of the tokens two either side of it: for each offset,
    ``"{offset}{name}={value}"`` per column, or one ``"{offset}w={edge}"`` off the edge;
    each passed through ``name`` (a model's attribute row, say; None drops a feature).

    >>> neighbour_windows((("w", ["a", "b"]),), "<edge>")[0]
    ('-2w=<edge>', '-1w=<edge>', '1w=b', '2w=<edge>')
    """
    names = tuple(n for n, _ in columns)
    table = _SEEN_FROM.get((name, names, edge))
    if table is None or len(table) > _MAX_SEEN:
        table = _SEEN_FROM[(name, names, edge)] = {
            None: tuple(_named((f"{o}w={edge}",), name) for o in _OFFSETS)}
    off_edge = table[None]
    seen = [off_edge, off_edge]  # token i at i + 2, two edge tokens each side
    get = table.get
    for values in zip(*(v for _, v in columns), strict=True):
        block = get(values)
        if block is None:
            block = table[values] = tuple(
                _named([f"{o}{n}={value}" for n, value in zip(names, values, strict=True)],
                       name)
                for o in _OFFSETS)
        seen.append(block)
    seen += [off_edge, off_edge]
    return [(*seen[i][0], *seen[i + 1][1], *seen[i + 3][2], *seen[i + 4][3])
            for i in range(len(seen) - 4)]


def _named(features: Sequence[str], name: Callable[[str], Any]) -> tuple[Any, ...]:
    """``features`` passed through ``name``, without those it names None (or 0)."""
    if name is str:
        return tuple(features)
    return tuple(filter(None, map(name, features)))


class _ParagraphFeatures:
    """The attribution CRF's features of a paragraph's tokens, each passed through
    ``name``: the feature strings themselves (for training), or a model's attribute
    rows, which skip building strings for what was seen before. Most of a token's
    features depend on a few of its values (word, lemma, tags, its head's): they are
    built once per such values and remembered, in the order of the strings."""

    MAX_REMEMBERED = 300_000  # per table, for long-running servers

    def __init__(self, name: Callable[[str], Any] = str) -> None:
        self.name = name
        self.own: dict[tuple[str, ...], tuple[Any, ...]] = {}
        self.head: dict[tuple[str, ...], tuple[Any, ...]] = {}
        self.kind: dict[tuple[str, ...], tuple[Any, ...]] = {}
        self.more: dict[Any, tuple[Any, ...]] = {}
        self.flags = {f: _named((f,), name) for f in ("first", "last", "title")}

    def _add(self, table: dict[Any, tuple[Any, ...]], key: Any, features: Sequence[str]
             ) -> tuple[Any, ...]:
        if len(table) > self.MAX_REMEMBERED:
            table.clear()
        named = table[key] = _named(features, self.name)
        return named

    def __call__(self, doc: Any) -> list[list[Any]]:
        from spacy.attrs import (
            DEP,
            ENT_TYPE,
            HEAD,
            IS_TITLE,
            LEMMA,
            LOWER,
            POS,
            SENT_START,
            SHAPE,
            TAG,
        )

        n = len(doc)
        if n == 0:
            return []
        vocab = doc.vocab
        rows = doc.to_array([HEAD, LEMMA, POS, TAG, DEP, SHAPE, ENT_TYPE, SENT_START,
                             IS_TITLE, LOWER])
        heads = (rows[:, 0].astype("int64") + range(n)).tolist()
        lemma = _strings(vocab, rows[:, 1].tolist(), lower=True)
        pos = _strings(vocab, rows[:, 2].tolist())
        tags = _strings(vocab, rows[:, 3].tolist())
        dep = _strings(vocab, rows[:, 4].tolist())
        shapes = _strings(vocab, rows[:, 5].tolist())
        ents = _strings(vocab, rows[:, 6].tolist())
        starts = [v == 1 for v in rows[:, 7].astype("int64").tolist()]
        starts[0] = True
        starts.append(True)  # past the last token: the last token ends a sentence
        titles = rows[:, 8].tolist()
        lower = _strings(vocab, rows[:, 9].tolist())
        quoted = ["1" if q else "0" for q in _in_quotation(lower)]
        verbal = [p in ("VERB", "AUX") for p in pos]
        children: list[list[int]] = [[] for _ in range(n)]
        for j, h in enumerate(heads):
            if h != j:
                children[h].append(j)
        windows = neighbour_windows((("w", lower), ("p", pos), ("q", quoted)), "<edge>",
                                    self.name)
        add, own, head, kind, more = self._add, self.own, self.head, self.kind, self.more
        first, last, title = self.flags["first"], self.flags["last"], self.flags["title"]
        name = self.name
        nothing: tuple[Any, ...] = ()
        after = [nothing] * (n + 1)  # token i's "bi=" (with the next) and i + 1's "-bi="
        before = [nothing] * (n + 1)
        for i in range(n - 1):  # word pairs rarely repeat: not remembered
            joined = lower[i] + "_" + lower[i + 1]
            if name is str:
                after[i], before[i + 1] = ("bi=" + joined,), ("-bi=" + joined,)
            else:
                row = name("bi=" + joined)
                if row:
                    after[i] = (row,)
                row = name("-bi=" + joined)
                if row:
                    before[i + 1] = (row,)
        features: list[list[Any]] = []
        for i in range(n):
            h = heads[i]
            w, lem, p, d, t = lower[i], lemma[i], pos[i], dep[i], tags[i]
            block = own.get((w, lem, p, t, d))
            if block is None:
                block = add(own, (w, lem, p, t, d),
                            ("b", "w=" + w, "l=" + lem, "p=" + p, "t=" + t, "d=" + d))
            f = [*block]
            block = head.get((d, lemma[h], pos[h]))
            if block is None:
                block = add(head, (d, lemma[h], pos[h]), ("dl=" + d + ">" + lemma[h],
                                                          "hp=" + pos[h]))
            f += block
            key = (lem, p, w, shapes[i], ents[i], quoted[i])
            block = kind.get(key)
            if block is None:
                block = add(kind, key, ("lp=" + lem + "/" + p, "s3=" + w[-3:],
                                        "sh=" + shapes[i][:4], "e=" + ents[i],
                                        "q=" + quoted[i]))
            f += block
            if starts[i]:
                f += first
            if starts[i + 1]:
                f += last
            if titles[i]:
                f += title
            if verbal[i]:
                for c in children[i]:
                    block = more.get(dep[c])
                    if block is None:
                        block = add(more, dep[c], ("c=" + dep[c],))
                    f += block
            # the nearest two verbs above the token, with the relation of the branch taken
            child, depth = i, 0
            while h != child and depth < 2:  # the root is its own head
                if verbal[h]:
                    depth += 1
                    key = (depth, dep[child], lemma[h])
                    block = more.get(key)
                    if block is None:
                        relation, verb = dep[child], lemma[h]
                        block = add(more, key, (f"g{depth}={relation}>{verb}",
                                                f"g{depth}r={relation}", f"g{depth}v={verb}"))
                    f += block
                child, h = h, heads[h]
            f += windows[i]
            f += after[i]
            f += before[i]
            features.append(f)
        return features


#: The feature strings (for training and for CRFsuite's tagger).
_FEATURE_STRINGS = _ParagraphFeatures()


def paragraph_features(doc: Any) -> list[list[str]]:
    """The CRF's features of every token of a parsed paragraph.

    Read from the doc's arrays in one pass (a third of the cost of reading each token's
    attributes): word, lemma, part of speech, tag, dependency label with the head's
    lemma, the head's part of speech, suffix, shape, entity type, quotation state,
    sentence edges, a verb's dependents, the nearest two governing verbs ("the subject
    of *say*", "inside the complement of *say*") and the neighbours.
    """
    return _FEATURE_STRINGS(doc)


@cache
def crf_model(path: Path) -> Any:
    """The CRF tagger stored at ``path`` (an attribution or entity model), opened once."""
    import pycrfsuite

    if not path.is_file():
        what = "entities" if path.stem == "entities" else "attributions"
        raise FileNotFoundError(f"model missing at {path}: "
                                f"python -m newstrace.claims.training {what} SPLIT")
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    return tagger


#: Where :func:`tag_docs` leaves a paragraph's labels (``doc.user_data``).
LABELS = "newstrace.attribution_labels"


@cache
def _rows() -> _ParagraphFeatures:
    """The features as the shipped model's attribute rows (unknown ones left out)."""
    return _ParagraphFeatures(LinearChainCRF.load(MODEL).row_of.get)


def tag_docs(docs: Sequence[Any]) -> list[list[str]]:
    """BIO labels of parsed paragraphs' tokens (``B-Source``, ``I-Cue``, ``O``...), all
    decoded at once (:class:`~newstrace.claims.crf.LinearChainCRF`: CRFsuite's labels),
    and left on each doc for :func:`tag`."""
    features = _rows()
    labels = LinearChainCRF.load(MODEL).tag_rows([features(doc) for doc in docs])
    for doc, mine in zip(docs, labels, strict=True):
        doc.user_data[LABELS] = mine
    return labels


def tag(doc: Any) -> list[str]:
    """BIO labels of a parsed paragraph's tokens: those :func:`tag_docs` left on it, or
    its own."""
    labels = doc.user_data.get(LABELS)
    return labels if labels is not None else tag_docs([doc])[0]


def spans_of(labels: list[str]) -> list[tuple[str, int, int]]:
    """(role, start token, end token) runs of BIO labels; a stray ``I-`` opens a span.

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


def tag_spans(doc: Any) -> list[tuple[str, int, int]]:
    """(role, start token, end token) of every source, cue and content in a paragraph."""
    return spans_of(tag(doc))
