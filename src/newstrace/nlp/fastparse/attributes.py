"""The attribute ruler and the lemmatizer of spaCy's English model, their outputs remembered.

The model's attribute ruler and lemmatizer spend much of its time (per token, in
Python) working out what depends only on a token's word, tag and dependency label
(and, for a few patterns such as "gon na" or "there is", on a neighbour): their output
is remembered per such context (:class:`RememberedAttributes`) and set in one array
write, exactly as they would set it.

The component is built only for a ruler and lemmatizer laid out as it reads them
(:func:`check_attributes`): the ruler's patterns read only tags, dependency labels,
lower-cased words and whitespace, its two-token rules are the ones this module knows,
and the lemmatizer is spaCy's rule lemmatizer with its tables; otherwise the loader
keeps the model's own components (:mod:`.model`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from spacy.language import Language

from newstrace.nlp.fastparse.checks import check_versions, require

#: The component's name and factory in spaCy's registry.
NAME = "newstrace_remembered_attributes"

#: What the ruler's token patterns may read: a token's context is remembered by these.
_READ = {"TAG", "DEP", "LOWER", "IS_SPACE"}
#: What the ruler's rules may set (a whitespace token's tag and label are set apart).
_SET = {"POS", "MORPH", "LEMMA", "TAG", "DEP"}
#: The English ruler's two-token rules this module reads neighbours for, as JSON
#: (pattern, attributes, index); see :class:`RememberedAttributes`.
_TWO_TOKEN_RULES = frozenset(json.dumps(rule, sort_keys=True) for rule in [
    [[{"TAG": {"IN": ["VBP", "VBZ"]}, "LOWER": "ai"}, {"LOWER": {"REGEX": "^n'?t$"}}],
     {"LEMMA": "be"}, 0],
    [[{"LOWER": "gon"}, {"LOWER": "na"}], {"LEMMA": "go"}, 0],
    [[{"LOWER": "gon"}, {"LOWER": "na"}], {"LEMMA": "to"}, 1],
    [[{"LOWER": "got"}, {"LOWER": "ta"}], {"LEMMA": "to"}, 1],
    [[{"LOWER": "let"}, {"LOWER": "'s"}], {"LEMMA": "us"}, 1],
    [[{"LOWER": "c'm"}, {"LOWER": "on"}], {"LEMMA": "come"}, 0],
    [[{"LOWER": {"REGEX": "^y'?$"}}, {"LOWER": "all"}], {"LEMMA": "you"}, 0],
    [[{"DEP": "expl"}, {"LOWER": {"IN": ["is", "are", "was", "were", "'s", "'re"]}}],
     {"POS": "VERB"}, 1],
])
#: The rule lemmatizer's tables (``lemma_index``'s word lists become sets).
_TABLES = ("lemma_rules", "lemma_exc", "lemma_index")


def check_attributes(nlp: Any, ruler: Any, lemmatizer: Any) -> None:
    """:class:`~.checks.Unsupported` unless ``ruler`` and ``lemmatizer`` are laid out as
    :class:`RememberedAttributes` reads them: the ruler right before the lemmatizer,
    after the components that assign tags and dependency labels; token patterns that
    read only :data:`_READ`, rules that set only :data:`_SET` (a tag or a label only of
    whitespace tokens), the two-token rules of :data:`_TWO_TOKEN_RULES` and none longer;
    spaCy's rule lemmatizer, not overwriting the ruler's lemmas, with its tables."""
    from spacy.pipeline import AttributeRuler, Lemmatizer

    check_versions()
    require(isinstance(ruler, AttributeRuler), f"a {type(ruler).__name__}, not spaCy's "
            "AttributeRuler")
    require(isinstance(lemmatizer, Lemmatizer), f"a {type(lemmatizer).__name__}, not "
            "spaCy's Lemmatizer")
    names = list(nlp.pipe_names)
    at = {component: n for n, (_, component) in enumerate(nlp.pipeline)}
    require(ruler in at and lemmatizer in at and at[lemmatizer] == at[ruler] + 1,
            f"the attribute ruler not right before the lemmatizer in {names}")
    before = {a for n in names[: at[ruler]] for a in nlp.get_pipe_meta(n).assigns}
    require({"token.tag", "token.dep"} <= before, "no tags and dependency labels before "
            "the attribute ruler")
    two_token: set[str] = set()
    for rule in ruler.patterns:
        setting = set(rule.get("attrs", {}))
        require(setting <= _SET, f"a rule sets {sorted(setting - _SET)}")
        for pattern in rule["patterns"]:
            require(isinstance(pattern, list) and 1 <= len(pattern) <= 2,
                    f"a pattern of {len(pattern)} tokens")
            reads = {key for token in pattern for key in token}
            require(reads <= _READ, f"a pattern reads {sorted(reads - _READ)}")
            if setting & {"TAG", "DEP"}:
                require(len(pattern) == 1 and pattern[0].get("IS_SPACE") is True,
                        "a rule sets tags or labels of tokens other than whitespace")
            if len(pattern) == 2:
                two_token.add(json.dumps([pattern, rule["attrs"], rule.get("index", 0)],
                                         sort_keys=True))
    require(two_token <= _TWO_TOKEN_RULES,
            f"{len(two_token - _TWO_TOKEN_RULES)} two-token rules this does not know")
    require(getattr(lemmatizer, "mode", None) == "rule",
            f"a lemmatizer in mode {getattr(lemmatizer, 'mode', None)!r}, not 'rule'")
    require(not getattr(lemmatizer, "overwrite", True), "a lemmatizer that overwrites lemmas")
    tables = set(getattr(getattr(lemmatizer, "lookups", None), "tables", ()))
    require(set(_TABLES) <= tables, f"lemmatizer tables {sorted(tables)}, not {list(_TABLES)}")


class RememberedAttributes:
    """The attribute ruler and the lemmatizer, with their outputs remembered.

    The English ruler's rules read a token's tag, whether it is whitespace, a score of
    dependency labels ("aux", "det", "mark"; any other label reads alike) and, for
    about a hundred words, the word itself; a handful of two-token rules also read a neighbour
    ("gon na", "got ta", "let 's", "c'm on", "y' all", "ai n't", "there is"). Its output
    (part of speech, morphology, sometimes a lemma) is remembered per such context.
    The new contexts of a batch of paragraphs are learnt at once: the real ruler runs
    on one doc made of those tokens, each with its neighbours, and its output is kept
    where a token's context there is the one it has in its paragraph (otherwise the
    ruler runs on that paragraph): a handful of ruler runs instead of one a paragraph. A lemma
    depends on the word, its part of speech and morphology: each new combination is
    lemmatised once, token by token, by the real lemmatizer. The final output is also
    remembered per (word, tag, label, neighbours), so a paragraph whose tokens were all
    seen costs a few array operations and one array write (a whitespace token also gets
    the ruler's "_SP" tag and "dep" label). The result is the components' own, token for
    token (checked on PolNeAR dev and the seeds, no difference).
    """

    MAX_REMEMBERED = 200_000  # per table: tens of MB at most in a long-running server
    _BEFORE = ("gon", "got", "let")  # the first words of two-token rules
    _AFTER = ("na", "on", "all", "n't", "nt")  # the second words

    def __init__(self, ruler: Any, lemmatizer: Any, vocab: Any) -> None:
        import numpy as np

        self.ruler, self.lemmatizer, self.vocab = ruler, lemmatizer, vocab
        _index_as_sets(lemmatizer)
        strings = vocab.strings
        self.expl = strings.add("expl")
        self.before = np.array(sorted(strings.add(w) for w in self._BEFORE), dtype=np.uint64)
        self.after = np.array(sorted(strings.add(w) for w in self._AFTER), dtype=np.uint64)
        self.known: dict[tuple[int, ...], tuple[int, int, int]] = {}  # full context -> output
        words: set[str] = set()
        self.word_patterns: list[re.Pattern[str]] = []
        # the labels a rule names ("aux", "det", "mark"...): any other label reads the same
        labels: set[str] = {""}
        self.every_label = False  # a label test other than equality or a list: keep all
        for rule in ruler.patterns:
            for pattern in rule["patterns"]:
                for token in pattern:
                    dep = token.get("DEP")
                    if isinstance(dep, str):
                        labels.add(dep)
                    elif isinstance(dep, dict):
                        labels.update(v for key in ("IN", "NOT_IN") for v in dep.get(key, ()))
                        self.every_label |= bool(set(dep) - {"IN", "NOT_IN"})
                    lower = token.get("LOWER")
                    if isinstance(lower, str):
                        words.add(lower)
                    elif isinstance(lower, dict):
                        words.update(lower.get("IN", ()))
                        if "REGEX" in lower:
                            self.word_patterns.append(re.compile(lower["REGEX"]))
        self.words = {strings.add(w) for w in words}
        self.labels = {strings.add(label) for label in labels}
        self.ruled_word: dict[int, int] = {}  # word hash -> itself if a rule names it, else 0
        self.ruled: dict[tuple[int, ...], tuple[int, int, int]] = {}
        self.lemmas: dict[tuple[int, int, int], int] = {}

    def _label(self, dep: int) -> int:
        """A dependency label as the ruler's rules tell it apart (1: a label none names)."""
        return dep if self.every_label or dep in self.labels else 1

    def _word(self, lower: int) -> int:
        known = self.ruled_word.get(lower)
        if known is None:
            text = self.vocab.strings[lower]
            known = lower if lower in self.words or any(
                p.search(text) for p in self.word_patterns) else 0
            self.ruled_word[lower] = known
        return known

    def __call__(self, doc: Any) -> Any:
        return self._write(doc, self._read(doc))

    def pipe(self, docs: Any, batch_size: int = 128) -> Any:
        """The docs, a batch at a time: the ruler contexts a batch's paragraphs bring are
        first learnt all at once, from one doc of those tokens and their neighbours."""
        from spacy.util import minibatch

        for batch in minibatch(docs, size=batch_size):
            read = [self._read(doc) for doc in batch]
            self._learn([(doc, r) for doc, r in zip(batch, read, strict=True)
                         if r.contexts is not None])
            for doc, r in zip(batch, read, strict=True):
                yield self._write(doc, r)

    def _read(self, doc: Any, every_context: bool = False) -> _Read:
        """A doc's tokens' (word, tag, label, lower), their outputs remembered by full
        context (None: new), and the ruler contexts of the new ones (of all tokens if
        ``every_context``; None if there are none)."""
        import numpy as np
        from spacy.attrs import DEP, IS_SPACE, LOWER, ORTH, TAG

        n = len(doc)
        if n == 0:
            return _Read([], [], [], None, [])
        array = doc.to_array([ORTH, TAG, DEP, LOWER, IS_SPACE])
        # a token's neighbours as the two-token rules read them: the previous word if it
        # opens such a rule (else 1 after an "expl" label), the next word if it closes one
        dep, lower = array[:, 2], array[:, 3]
        prev = np.zeros(n, dtype=np.uint64)
        prev[1:] = np.where(_among(lower[:-1], self.before), lower[:-1],
                            (dep[:-1] == self.expl).astype(np.uint64))
        nxt = np.zeros(n, dtype=np.uint64)
        nxt[:-1] = np.where(_among(lower[1:], self.after), lower[1:], 0)
        neighbours = list(zip(prev.tolist(), nxt.tolist(), strict=True))
        # the fast path: every token's (word, tag, label, neighbours) seen before
        rows = array[:, :4].tolist()
        keys = [(o, t, d, *around) for (o, t, d, _), around in zip(rows, neighbours,
                                                                    strict=True)]
        values = list(map(self.known.get, keys))
        contexts = None
        if every_context or None in values:
            # the ruler's context of each new token: tag, label where a rule names it, the
            # word where a rule names it, neighbours, whitespace
            is_space = array[:, 4].tolist()
            label, word = self._label, self._word
            contexts = {}
            for i, value in enumerate(values):
                if value is None or every_context:
                    _, t, d, w = rows[i]
                    contexts[i] = (t, label(d), word(w), *neighbours[i], is_space[i])
        return _Read(rows, keys, values, contexts, np.flatnonzero(array[:, 4]).tolist())

    def _write(self, doc: Any, read: _Read) -> Any:
        import numpy as np
        from spacy.attrs import LEMMA, MORPH, POS

        if not read.rows:
            return doc
        values = read.values
        if read.contexts is not None:
            values = self._slow(doc, read)
        doc.from_array([POS, MORPH, LEMMA], np.array(values, dtype=np.uint64))
        for i in read.spaces:  # what the ruler's whitespace rules rewrite besides
            token = doc[i]
            token.tag_ = "_SP"
            if token.dep:
                token.dep_ = "dep"
        return doc

    def _learn(self, docs: list[tuple[Any, _Read]]) -> None:
        """Run the ruler once on the tokens of ``docs`` whose contexts are new, each with
        its neighbours, and remember its output where a token's context there is the one
        it has in its own doc (else its paragraph goes through the ruler)."""
        import numpy as np
        from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, TAG
        from spacy.tokens import Doc

        ruled = self.ruled
        words: list[str] = []
        spaces: list[bool] = []
        tags_deps: list[tuple[int, int, int]] = []
        wanted: list[tuple[int, tuple[int, ...]]] = []  # (position, context)
        new: set[tuple[int, ...]] = set()
        for doc, read in docs:
            assert read.contexts is not None
            for i, context in read.contexts.items():
                if context in ruled or context in new:
                    continue
                new.add(context)
                for j in range(max(0, i - 1), min(len(doc), i + 2)):
                    if j == i:
                        wanted.append((len(words), context))
                    token = doc[j]
                    words.append(token.text)
                    spaces.append(bool(token.whitespace_))
                    tags_deps.append((read.rows[j][1], 0, read.rows[j][2]))
        if not wanted:
            return
        sample = Doc(self.vocab, words=words, spaces=spaces)
        sample.from_array([TAG, HEAD, DEP], np.array(tags_deps, dtype=np.uint64))
        contexts = self._read(sample, every_context=True).contexts
        assert contexts is not None
        self.ruler(sample)
        values = sample.to_array([POS, MORPH, LEMMA]).tolist()
        if len(ruled) > self.MAX_REMEMBERED:
            ruled.clear()
        for at, context in wanted:
            if contexts[at] == context:
                ruled[context] = tuple(values[at])

    def _slow(self, doc: Any, read: _Read) -> list[tuple[int, int, int]]:
        """(part of speech, morphology, lemma) of every token: the new ones' by their ruler
        context (the ruler runs on the paragraph if one is unknown) and lemmatizer, each
        then remembered by its full context."""
        import numpy as np
        from spacy.attrs import LEMMA, MORPH, POS

        assert read.contexts is not None
        ruled, values = self.ruled, list(read.values)
        new = {i: ruled.get(c) for i, c in read.contexts.items()}
        if None in new.values():
            self.ruler(doc)
            out = doc.to_array([POS, MORPH, LEMMA]).tolist()
            if len(ruled) > self.MAX_REMEMBERED:
                ruled.clear()
            for i, context in read.contexts.items():
                new[i] = ruled[context] = tuple(out[i])
        for i, value in new.items():
            values[i] = value
        # the lemmatizer reads the part of speech and morphology the ruler gives
        doc.from_array([POS, MORPH, LEMMA], np.array(values, dtype=np.uint64))
        lemmas, known = self.lemmas, self.known
        if len(known) > self.MAX_REMEMBERED:
            known.clear()
        for i, (pos, morph, lemma) in new.items():
            if not lemma:
                key = (read.rows[i][0], pos, morph)
                lemma = lemmas.get(key)
                if lemma is None:
                    lemma = self.vocab.strings.add(self.lemmatizer.lemmatize(doc[i])[0])
                    if len(lemmas) > self.MAX_REMEMBERED:
                        lemmas.clear()
                    lemmas[key] = lemma
                values[i] = (pos, morph, lemma)
            known[read.keys[i]] = values[i]
        return values  # type: ignore[return-value]


@dataclass(slots=True)
class _Read:
    rows: list[list[int]]  # per token: ORTH, TAG, DEP, LOWER
    keys: list[tuple[int, ...]]  # per token: its full context
    values: list[tuple[int, int, int] | None]  # remembered outputs (None: new)
    contexts: dict[int, tuple[int, ...]] | None  # the new tokens' ruler contexts
    spaces: list[int]  # the whitespace tokens


def _among(values: Any, few: Any) -> Any:
    """``numpy.isin`` for a handful of ``few`` values (isin sorts, which costs more).

    >>> import numpy as np
    >>> _among(np.array([1, 5, 7], dtype=np.uint64), np.array([5, 9], dtype=np.uint64))
    array([False,  True, False])
    """
    return (values[:, None] == few[None, :]).any(axis=1)


def _index_as_sets(lemmatizer: Any) -> None:
    """The rule lemmatizer's word lists as sets: it only asks whether a candidate lemma is
    in one ("form in index"), and a list of tens of thousands of nouns answers by reading
    it through (most of a new word's lemmatisation). Same answers, same lemmas."""
    if "lemma_index" not in getattr(lemmatizer, "lookups", ()):
        return
    table = lemmatizer.lookups.get_table("lemma_index")
    for key in list(table.keys()):
        words = table[key]
        if isinstance(words, list):
            table[key] = frozenset(words)


@Language.factory(NAME, default_config={"ruler": "attribute_ruler", "lemmatizer": "lemmatizer"},
                  requires=["token.tag", "token.dep"],
                  assigns=["token.pos", "token.morph", "token.lemma"])
def make_remembered_attributes(nlp: Language, name: str, ruler: str, lemmatizer: str
                               ) -> RememberedAttributes:
    """spaCy's factory: the pipeline's components ``ruler`` and ``lemmatizer``, their
    outputs remembered."""
    ruling, lemmatizing = nlp.get_pipe(ruler), nlp.get_pipe(lemmatizer)
    check_attributes(nlp, ruling, lemmatizing)
    return RememberedAttributes(ruling, lemmatizing, nlp.vocab)
