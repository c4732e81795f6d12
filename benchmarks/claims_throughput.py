"""Throughput of the whole entities-and-claims stage, articles per second.

    python benchmarks/claims_throughput.py [--articles 200] [--warm-up 2]
    NEWSTRACE_ENTITIES=crf python benchmarks/claims_throughput.py  # the fast entity tagger
    NEWSTRACE_ACCELERATE=0 python benchmarks/claims_throughput.py  # spaCy's stock pipeline

Input: the first ``--articles`` PolNeAR train texts (real US political news,
~600 words each). Measured: ``newstrace.claims.analyze`` over all of them at once
(spaCy parse, entities, resolution, attributions, embeddings, claim grouping),
after a warm-up call on ``--warm-up`` other texts (the last of the split) that loads
the models. With 2 the parse's helper process starts inside the measured call, as in
a command's first batch; with 30 it is already running, as for later batches of a
long-running process. Baseline in the same run: the spaCy parse alone (``nlp.pipe``,
one process) on the same texts, after the stage.
Target: >= 20 articles/s on 2 cores.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from newstrace.claims import analyze
from newstrace.nlp.fastparse import choices, parse_many
from newstrace.records import Article, article_id

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "polnear" / "train"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--warm-up", type=int, default=2)
    args = parser.parse_args()
    paths = sorted((DATA / "text").glob("*.txt"))
    articles = [Article(id=article_id(p.read_text(), p.name), source=p.name, text=p.read_text())
                for p in paths[: args.articles]]
    warm_up = [Article(id=article_id(p.read_text(), p.name), source=p.name, text=p.read_text())
               for p in paths[-args.warm_up:]]
    # load spaCy and the encoder on two other texts: what the parser remembers of the
    # measured texts' words must not favour the stage
    analyze(warm_up, state=None, upstream={})
    start = time.perf_counter()
    result = analyze(articles, state=None, upstream={})
    rate = len(articles) / (time.perf_counter() - start)
    start = time.perf_counter()
    parse_many([a.text for a in articles])  # after the stage: its memory favours the baseline
    parse_rate = len(articles) / (time.perf_counter() - start)
    words = sum(len(a.text.split()) for a in articles) / len(articles)
    entities, accelerate = choices()
    parse = "accelerated" if accelerate else "spaCy's stock pipeline"
    print(f"{len(articles)} articles (~{words:.0f} words each), entities by {entities}, "
          f"{parse}: "
          f"claims stage {rate:.1f} "
          f"articles/s; spaCy parse alone {parse_rate:.1f}/s (ratio {rate / parse_rate:.2f}); "
          f"target 20/s; {len(result.report['claims'])} claims, "
          f"{len(result.report['entities'])} entities")


if __name__ == "__main__":
    main()
