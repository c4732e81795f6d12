"""A learned attribution tagger: every token labelled source, cue, content or nothing.

PolNeAR's annotation is univocal: each token belongs to at most one attribution, in one
role. An article's attributions are therefore a tag sequence (``B-Cue``, ``I-Content``,
``O``...), which a linear-chain CRF learns well from words, lemmas, parts of speech, the
dependency path to the governing verb and whether a token sits inside a quotation.
The model is trained on PolNeAR's train split (:mod:`newstrace.claims.training`) and
ships with the package (6 MB); :mod:`newstrace.claims.attribution` turns its spans into
attributions. On PolNeAR dev, the attributions it yields reach source, cue and content
overlap F1 0.784, 0.773 and 0.809 (``benchmarks/claims_polnear.py``).

>>> from newstrace.nlp.fastparse import parse_many
>>> doc = parse_many(["Three sources told CNN that China is considering it."])[0][0].doc
>>> [(role, doc[start:end].text) for role, start, end in tag_spans(doc)]
[('Source', 'Three sources'), ('Cue', 'told'), ('Content', 'that China is considering it')]
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from newstrace.claims.feature_rows import FeatureRows
from newstrace.claims.token_strings import VERBAL, feature_columns, in_quotation, token_strings
from newstrace.nlp.crf import LinearChainCRF, neighbour_windows, spans_of

ROLES = ("Source", "Cue", "Content")
MODEL = Path(__file__).with_name("models") / "attribution.crfsuite"


def paragraph_features(doc: Any) -> list[list[str]]:
    """The CRF's features of every token of a parsed paragraph: what the model is trained
    on (:mod:`.training`); tagging finds the same features' rows with arrays
    (:mod:`.feature_rows`).

    Read from the doc's arrays in one pass (a third of the cost of reading each token's
    attributes): word, lemma, part of speech, tag, dependency label with the head's
    lemma, the head's part of speech, suffix, shape, entity type, quotation state,
    sentence edges, a verb's dependents, the nearest two governing verbs ("the subject
    of *say*", "inside the complement of *say*") and the neighbours.
    """
    n = len(doc)
    if n == 0:
        return []
    vocab = doc.vocab
    rows = feature_columns(doc)
    heads = (rows[:, 0].astype("int64") + range(n)).tolist()
    lemma = token_strings(vocab, rows[:, 1].tolist(), lower=True)
    pos = token_strings(vocab, rows[:, 2].tolist())
    tags = token_strings(vocab, rows[:, 3].tolist())
    dep = token_strings(vocab, rows[:, 4].tolist())
    shapes = token_strings(vocab, rows[:, 5].tolist())
    ents = token_strings(vocab, rows[:, 6].tolist())
    starts = [v == 1 for v in rows[:, 7].astype("int64").tolist()]
    starts[0] = True
    titles = rows[:, 8].tolist()
    lower = token_strings(vocab, rows[:, 9].tolist())
    quoted = ["1" if q else "0" for q in in_quotation(lower)]
    verbal = [p in VERBAL for p in pos]
    children: list[list[int]] = [[] for _ in range(n)]
    for j, h in enumerate(heads):
        if h != j:
            children[h].append(j)
    windows = neighbour_windows((("w", lower), ("p", pos), ("q", quoted)), "<edge>")
    features: list[list[str]] = []
    for i in range(n):
        h = heads[i]
        f = [
            "b",
            "w=" + lower[i],
            "l=" + lemma[i],
            "p=" + pos[i],
            "t=" + tags[i],
            "d=" + dep[i],
            "dl=" + dep[i] + ">" + lemma[h],
            "hp=" + pos[h],
            "lp=" + lemma[i] + "/" + pos[i],
            "s3=" + lower[i][-3:],
            "sh=" + shapes[i][:4],
            "e=" + ents[i],
            "q=" + quoted[i],
        ]
        if starts[i]:
            f.append("first")
        if i + 1 == n or starts[i + 1]:
            f.append("last")
        if titles[i]:
            f.append("title")
        if verbal[i]:
            f.extend("c=" + dep[c] for c in children[i])
        # the nearest two verbs above the token, with the relation of the branch taken
        child, depth = i, 0
        while h != child and depth < 2:  # the root is its own head
            if verbal[h]:
                depth += 1
                relation, verb = dep[child], lemma[h]
                f.append(f"g{depth}={relation}>{verb}")
                f.append(f"g{depth}r={relation}")
                f.append(f"g{depth}v={verb}")
            child, h = h, heads[h]
        f.extend(windows[i])
        if i + 1 < n:
            f.append(f"bi={lower[i]}_{lower[i + 1]}")
        if i > 0:
            f.append(f"-bi={lower[i - 1]}_{lower[i]}")
        features.append(f)
    return features


#: Where :func:`tag_docs` leaves a paragraph's labels (``doc.user_data``).
LABELS = "newstrace.attribution_labels"


@cache
def _feature_rows() -> FeatureRows:
    return FeatureRows(LinearChainCRF.load(MODEL).row_of.get)


def tag_docs(docs: Sequence[Any]) -> list[list[str]]:
    """BIO labels of parsed paragraphs' tokens (``B-Source``, ``I-Cue``, ``O``...), all
    decoded at once (:class:`~newstrace.nlp.crf.LinearChainCRF`: CRFsuite's labels,
    from features found with arrays, :mod:`.feature_rows`), and left on each doc for
    :func:`tag`."""
    rows, bounds, lengths = _feature_rows()(docs)
    labels = LinearChainCRF.load(MODEL).tag_csr(rows, bounds, lengths)
    for doc, mine in zip(docs, labels, strict=True):
        doc.user_data[LABELS] = mine
    return labels


def tag(doc: Any) -> list[str]:
    """BIO labels of a parsed paragraph's tokens: those :func:`tag_docs` left on it, or
    its own."""
    labels = doc.user_data.get(LABELS)
    return labels if labels is not None else tag_docs([doc])[0]


def tag_spans(doc: Any) -> list[tuple[str, int, int]]:
    """(role, start token, end token) of every source, cue and content in a paragraph."""
    return spans_of(tag(doc))
