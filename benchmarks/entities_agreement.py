"""The distilled entity tagger against the English model's own recogniser, PolNeAR dev.

    python benchmarks/entities_agreement.py [--limit 84]

Both run on the same parsed paragraphs of PolNeAR's dev split (never trained on):
the recogniser's entities of the types newstrace uses (people, organisations,
places, products, nationalities) are the reference. Printed: precision, recall and
F1 of the tagger's entities, exact (same tokens, same type) and overlapping (same
type, some token shared), per type; and each recogniser's cost in milliseconds per
article, timed on the same docs in the same run.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from newstrace.nlp.crf import spans_of
from newstrace.nlp.fastparse import paragraphs, pipeline
from newstrace.nlp.fastparse.distilled_entities import LABELS, EntityTagger, silver_labels
from newstrace.nlp.fastparse.entity_decoder import NAME as ENTITY_DECODER

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "polnear" / "dev"


def prf(tp: int, found: int, gold: int) -> str:
    p, r = tp / max(found, 1), tp / max(gold, 1)
    return f"P {p:.3f} R {r:.3f} F1 {2 * p * r / max(p + r, 1e-9):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    texts = [p.read_text(encoding="utf-8")
             for p in sorted((DEV / "text").glob("*.txt"))[: args.limit]]
    model = pipeline("spacy", accelerate=True)
    flat = [p for t in texts for _, p in paragraphs(t)]
    # everything but the recogniser (the model's own, decoded a batch at a time, as the
    # default parse runs it), then each recogniser on copies of the same docs
    with model.select_pipes(disable=[ENTITY_DECODER]):
        docs = list(model.pipe(flat, batch_size=256))
    recogniser, tagger = model.get_pipe(ENTITY_DECODER), EntityTagger()
    reference_docs = [d.copy() for d in docs]
    start = time.perf_counter()
    reference_docs = list(recogniser.pipe(reference_docs, batch_size=256))
    reference_ms = (time.perf_counter() - start) * 1000 / len(texts)
    start = time.perf_counter()
    tagged_docs = [tagger(d) for d in docs]
    tagger_ms = (time.perf_counter() - start) * 1000 / len(texts)

    exact: Counter[str] = Counter()
    overlap: Counter[str] = Counter()
    found: Counter[str] = Counter()
    gold: Counter[str] = Counter()
    for ref, ours in zip(reference_docs, tagged_docs, strict=True):
        want = set(spans_of(silver_labels(ref)))
        got = {(e.label_, e.start, e.end) for e in ours.ents if e.label_ in LABELS}
        for label, s, e in want:
            gold[label] += 1
            exact[label] += (label, s, e) in got
            overlap[label] += any(k == label and a < e and s < b for k, a, b in got)
        for label, _, _ in got:
            found[label] += 1
    print(f"PolNeAR dev, {len(texts)} articles, {sum(gold.values())} reference entities")
    total_found, total_gold = sum(found.values()), sum(gold.values())
    print(f"all types  exact   {prf(sum(exact.values()), total_found, total_gold)}")
    print(f"all types  overlap {prf(sum(overlap.values()), total_found, total_gold)}")
    for label in LABELS:
        print(f"{label:8s} {gold[label]:5d}  exact {prf(exact[label], found[label], gold[label])}")
    print(f"cost per article: recogniser {reference_ms:.1f} ms, tagger {tagger_ms:.1f} ms "
          f"(ratio {tagger_ms / reference_ms:.2f})")


if __name__ == "__main__":
    main()
