"""Throughput of the whole entities-and-claims stage, articles per second.

    python benchmarks/claims_throughput.py [--articles 200]

Input: the first ``--articles`` PolNeAR train texts (real US political news,
~700 words each). Measured: ``newstrace.claims.analyze`` over all of them at once
(spaCy parse, entities, resolution, attributions, embeddings, claim grouping),
after a warm-up call that loads the models. Baseline in the same run: the spaCy
parse alone (``nlp.pipe``) on the same texts, the floor of any parse-based method.
Target: >= 20 articles/s on 2 cores.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from newstrace.claims import analyze
from newstrace.claims.parsing import parse_many
from newstrace.records import Article, article_id

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "polnear" / "train"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()
    paths = sorted((DATA / "text").glob("*.txt"))[: args.articles]
    articles = [Article(id=article_id(p.read_text(), p.name), source=p.name, text=p.read_text())
                for p in paths]
    analyze(articles[:2], state=None, upstream={})  # load spaCy and the encoder
    start = time.perf_counter()
    parse_many([a.text for a in articles])
    parse_rate = len(articles) / (time.perf_counter() - start)
    start = time.perf_counter()
    result = analyze(articles, state=None, upstream={})
    rate = len(articles) / (time.perf_counter() - start)
    words = sum(len(a.text.split()) for a in articles) / len(articles)
    print(f"{len(articles)} articles (~{words:.0f} words each): claims stage {rate:.1f} "
          f"articles/s; spaCy parse alone {parse_rate:.1f}/s (ratio {rate / parse_rate:.2f}); "
          f"target 20/s; {len(result.report['claims'])} claims, "
          f"{len(result.report['entities'])} entities")


if __name__ == "__main__":
    main()
