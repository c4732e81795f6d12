"""Train the entity tagger and the attribution tagger on PolNeAR's train split.

    python -m newstrace.claims.training entities ../shared/data/polnear/train
    python -m newstrace.claims.training attributions ../shared/data/polnear/train

The attribution tagger is trained on the default parse (the model's own entity
recogniser); it does as well on the fast entity tagger's output.

``entities`` parses every text with the English model's own entity recogniser and
trains :mod:`newstrace.nlp.fastparse.distilled_entities`' CRF to reproduce its labels (silver
labels: no gold entities are needed). ``attributions`` reads brat standoff annotations
(``text/NAME.txt`` beside ``attributions/NAME_*.ann``, ``T`` lines for Source, Cue and
Content spans; a text annotated twice uses its first file), parses every text as the
pipeline does, labels each token with the role of the span covering it (BIO) and
trains a linear-chain CRF. Both use L-BFGS with L1 and L2 penalties and drop features
seen fewer than ``--min-freq`` times. Train on the train split only: the dev split is
for ``benchmarks/claims_polnear.py`` and ``benchmarks/entities_agreement.py``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from pathlib import Path

from newstrace.claims.tagger import MODEL, ROLES, paragraph_features
from newstrace.nlp.fastparse import distilled_entities, parse_many

Sequence = tuple[list[list[str]], list[str]]


def brat_spans(ann: Path) -> list[tuple[str, int, int, int]]:
    """(role, span number, start, end) of every Source, Cue and Content piece of a brat
    file; a discontinuous span gives one piece per range, with the same number. Lines
    that are not well-formed ``T`` lines are skipped."""
    pieces = []
    for number, line in enumerate(ann.read_text(encoding="utf-8").splitlines()):
        fields = line.split("\t")
        if not line.startswith("T") or len(fields) < 2:
            continue
        role, ranges = fields[1].split(" ", 1)
        if role not in ROLES:
            continue
        for piece in ranges.split(";"):
            start, end = (int(x) for x in piece.split())
            pieces.append((role, number, start, end))
    return pieces


def gold_roles(ann: Path, length: int) -> list[tuple[str, int] | None]:
    """For each character of a text: (role, span number) of the gold span covering it."""
    chars: list[tuple[str, int] | None] = [None] * length
    for role, number, start, end in brat_spans(ann):
        for c in range(start, min(end, length)):
            chars[c] = (role, number)
    return chars


def labelled_texts(split: Path, limit: int | None = None) -> Iterator[tuple[str, Path]]:
    """(text, annotation file) of every annotated text of a PolNeAR split."""
    for path in sorted((split / "text").glob("*.txt"))[:limit]:
        annotations = sorted((split / "attributions").glob(path.stem + "_*.ann"))
        if annotations:
            yield path.read_text(encoding="utf-8"), annotations[0]


def sequences(split: Path, limit: int | None = None) -> list[Sequence]:
    """One (features, BIO labels) sequence per paragraph of every annotated text."""
    pairs = list(labelled_texts(split, limit))
    parsed = parse_many([text for text, _ in pairs], entities="spacy")
    out: list[Sequence] = []
    for (text, ann), paragraphs in zip(pairs, parsed, strict=True):
        chars = gold_roles(ann, len(text))
        for paragraph in paragraphs:
            doc = paragraph.doc
            labels, previous = [], None
            for token in doc:
                start = paragraph.offset + token.idx
                covering = next((chars[c] for c in range(start, start + len(token.text))
                                 if chars[c] is not None), None)
                if covering is None:
                    labels.append("O")
                else:
                    inside = previous == covering
                    labels.append(("I-" if inside else "B-") + covering[0])
                previous = covering
            out.append((paragraph_features(doc), labels))
    return out


def entity_sequences(split: Path, limit: int | None = None) -> list[Sequence]:
    """One (features, silver BIO labels) sequence per paragraph of every text of a split,
    the labels from the English model's own entity recogniser."""
    paths = sorted((split / "text").glob("*.txt"))[:limit]
    parsed = parse_many([p.read_text(encoding="utf-8") for p in paths], entities="spacy")
    return [(distilled_entities.token_features(paragraph.doc),
             distilled_entities.silver_labels(paragraph.doc))
            for paragraphs in parsed for paragraph in paragraphs if len(paragraph.doc)]


#: Settings per tagger: L1 and L2 penalties, iterations (tuned on the train split alone).
SETTINGS = {"attributions": {"c1": 0.6, "c2": 0.1, "iterations": 200},
            "entities": {"c1": 0.05, "c2": 0.01, "iterations": 100}}
MODELS = {"attributions": MODEL, "entities": distilled_entities.MODEL}


def train(data: list[Sequence], model: Path, *, c1: float = 0.6, c2: float = 0.1,
          iterations: int = 200, min_freq: int = 2) -> None:
    """Fit the CRF on ``data`` and write it to ``model``."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for features, labels in data:
        trainer.append(features, labels)
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations,
                        "feature.minfreq": min_freq,
                        "feature.possible_transitions": True})
    model.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(model))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tagger", choices=sorted(SETTINGS))
    parser.add_argument("split", type=Path, help="a PolNeAR split folder (train)")
    parser.add_argument("--out", type=Path, default=None, help="default: the shipped model")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--c1", type=float, default=None)
    parser.add_argument("--c2", type=float, default=None)
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--min-freq", type=int, default=2)
    args = parser.parse_args()
    if args.split.name == "dev":
        parser.error("the dev split is for evaluation; train on the train split")
    settings = SETTINGS[args.tagger]
    c1 = settings["c1"] if args.c1 is None else args.c1
    c2 = settings["c2"] if args.c2 is None else args.c2
    iterations = int(settings["iterations"] if args.iterations is None else args.iterations)
    out = args.out or MODELS[args.tagger]
    start = time.perf_counter()
    read = entity_sequences if args.tagger == "entities" else sequences
    data = read(args.split, args.limit)
    tokens = sum(len(labels) for _, labels in data)
    print(f"{len(data)} paragraphs, {tokens} tokens parsed in {time.perf_counter() - start:.0f} s")
    start = time.perf_counter()
    train(data, out, c1=c1, c2=c2, iterations=iterations, min_freq=args.min_freq)
    size = out.stat().st_size / 1e6
    print(f"trained in {time.perf_counter() - start:.0f} s: {out} ({size:.1f} MB)")


if __name__ == "__main__":
    main()
