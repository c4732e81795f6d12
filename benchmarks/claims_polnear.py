"""Attribution span quality on PolNeAR dev, beside textacy's quotation extractor.

    python benchmarks/claims_polnear.py [--split dev] [--limit N] [--skip N]

Gold: PolNeAR brat files (``T`` lines: Source, Cue, Content spans; discontinuous
spans are split into their pieces). For each role, precision, recall and F1 of
predicted spans against gold spans of that role, with two matchings as in the
PolNeAR and PARC papers: *exact* (same start and end) and *overlap* (the spans
share at least one token). A predicted span matches at most one gold span.
Predicted spans are what ``report.json`` holds: each attribution's source (when the
text names one), cue and content pieces (``content_parts`` when the text interrupts
the content); a span shared by two attributions ("he said X and added Y") counts once.
Baseline in the same run: ``textacy.extract.triples.direct_quotations`` (speaker,
cue, content) on the same spaCy model. newstrace's tagger is trained on the train
split only (``python -m newstrace.claims.training attributions``); ``--split train --skip 700``
scores a model trained with ``--limit 700`` on the rest of the train split (how its
settings were chosen), and ``--split train --limit N`` is for looking at errors.
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

from newstrace.claims.attribution import attributions_from_parse
from newstrace.claims.tagger import ROLES
from newstrace.claims.training import brat_spans, labelled_texts
from newstrace.nlp.fastparse import parse_many

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "polnear"

Spans = dict[str, list[tuple[int, int]]]


def gold_spans(ann: Path) -> Spans:
    spans: Spans = defaultdict(list)
    for role, _, start, end in brat_spans(ann):
        spans[role].append((start, end))
    return spans


def ours(text: str, paragraphs: list) -> Spans:
    spans: Spans = defaultdict(list)
    for a in attributions_from_parse(text, paragraphs):
        if a.source is not None:
            spans["Source"].append((a.source.start, a.source.end))
        spans["Cue"].append((a.cue.start, a.cue.end))
        for part in a.extra.get("content_parts") or [a.content]:
            spans["Content"].append((part.start, part.end))
    return defaultdict(list, {role: sorted(set(found)) for role, found in spans.items()})


SKIPPED = [0, 0]  # paragraphs textacy refused (unbalanced quotation marks), of all


def textacy_spans(text: str, paragraphs: list) -> Spans:
    """textacy per paragraph: it refuses a text with an unbalanced quotation mark, so a
    whole-article call would lose every quotation of many articles."""
    from textacy.extract.triples import direct_quotations

    spans: Spans = defaultdict(list)
    for paragraph in paragraphs:
        SKIPPED[1] += 1
        try:
            triples = list(direct_quotations(paragraph.doc))
        except ValueError:
            SKIPPED[0] += 1
            continue
        for triple in triples:
            for role, tokens in zip(ROLES, triple, strict=True):
                if tokens:
                    start = paragraph.offset + tokens[0].idx
                    end = paragraph.offset + tokens[-1].idx + len(tokens[-1].text)
                    spans[role].append((start, end))
    return spans


def tokens_of(span: tuple[int, int], text: str) -> set[int]:
    return {span[0] + m.start() for m in re.finditer(r"\w+", text[span[0]:span[1]])}


def match(pred: list[tuple[int, int]], gold: list[tuple[int, int]], text: str, exact: bool
          ) -> int:
    used: set[int] = set()
    hits = 0
    for p in pred:
        for i, g in enumerate(gold):
            if i in used:
                continue
            ok = p == g if exact else bool(tokens_of(p, text) & tokens_of(g, text))
            if ok:
                used.add(i)
                hits += 1
                break
    return hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="dev")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--skip", type=int, default=0, help="leave out the first N texts")
    args = parser.parse_args()
    # annotation files carry the annotator's id; a doubly annotated text uses the first
    texts = list(labelled_texts(DATA / args.split, args.limit))[args.skip :]
    counts = {sys: defaultdict(lambda: [0, 0, 0]) for sys in ("newstrace", "textacy")}
    parsed = parse_many([text for text, _ in texts])
    for (text, annotation), paragraphs in zip(texts, parsed, strict=True):
        gold = gold_spans(annotation)
        for system, pred in (("newstrace", ours(text, paragraphs)),
                             ("textacy", textacy_spans(text, paragraphs))):
            for role in ROLES:
                for exact in (True, False):
                    key = (role, "exact" if exact else "overlap")
                    c = counts[system][key]
                    c[0] += match(pred[role], gold[role], text, exact)
                    c[1] += len(pred[role])
                    c[2] += len(gold[role])
    print(f"PolNeAR {args.split}: {len(texts)} articles; textacy refused {SKIPPED[0]} of "
          f"{SKIPPED[1]} paragraphs (unbalanced quotation marks)")
    print(f"{'role':<8} {'match':<8} {'system':<10} {'P':>6} {'R':>6} {'F1':>6}")
    for role in ROLES:
        for mode in ("exact", "overlap"):
            for system in ("newstrace", "textacy"):
                hit, n_pred, n_gold = counts[system][(role, mode)]
                p = hit / n_pred if n_pred else 0.0
                r = hit / n_gold if n_gold else 0.0
                f = 2 * p * r / (p + r) if p + r else 0.0
                print(f"{role:<8} {mode:<8} {system:<10} {p:>6.3f} {r:>6.3f} {f:>6.3f}")


if __name__ == "__main__":
    main()
