"""Cost of adding one article to a clusterer that already holds ``--size`` articles.

    python benchmarks/stories_cost.py [--size 100000] [--probes 300]

The clusterer is filled with synthetic articles, made directly as features (the
embedding model is not run for them): each belongs to one of ``size / 8`` synthetic
events; an event has 40 topic words drawn from a Zipf-distributed vocabulary of
50,000 words and 4 names from 5,000, and a random unit vector; each article takes
25 words and 2 names of its event plus 15 random words, its event's vector plus
noise, and a date within its event's week. Then ``--probes`` real articles (ECB+
dev texts) are added one at a time and timed, end to end (feature extraction with
the multilingual encoder included) and for the matching alone. Target: median
under 100 ms. Baseline in the same run: the same probes added to an empty
clusterer, so the ratio shows what the 100,000 stored articles cost.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from newstrace.records import Article, article_id
from newstrace.stories.clusterer import StoryClusterer
from newstrace.stories.features import Features, extract

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def synthetic(size: int, seed: int = 0) -> list[Features]:
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(50_000)]
    names = [f"Name{i}" for i in range(5_000)]
    zipf = 1 / np.arange(1, len(vocab) + 1)
    zipf /= zipf.sum()
    out = []
    events = max(1, size // 8)
    centres = rng.standard_normal((events, 512)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    topic_words = rng.choice(len(vocab), size=(events, 40), p=zipf)
    topic_names = rng.choice(len(names), size=(events, 4))
    start = date(2020, 1, 1)
    for n in range(size):
        e = n % events
        words = [vocab[i] for i in rng.choice(topic_words[e], 25)]
        words += [vocab[i] for i in rng.choice(len(vocab), 15, p=zipf)]
        vector = centres[e] + 0.3 * rng.standard_normal(512).astype(np.float32)
        day = start + timedelta(days=int(e % 1000) + int(rng.integers(0, 7)))
        out.append(Features(f"syn{n:07d}", Counter(words[:5]), Counter(words),
                            Counter(names[i] for i in rng.choice(topic_names[e], 2)),
                            vector / np.linalg.norm(vector), day.isoformat(), "content"))
    return out


def probes(count: int) -> list[Article]:
    lines = (DATA / "ecbplus" / "dev.jsonl").read_text().splitlines()[:count]
    texts = [json.loads(line)["text"] for line in lines]
    return [Article(id=article_id(t, str(n)), source=str(n), text=t) for n, t in enumerate(texts)]


def time_adds(clusterer: StoryClusterer, articles: list[Article]) -> tuple[list[float],
                                                                          list[float]]:
    whole, matching = [], []
    for article in articles:
        t0 = time.perf_counter()
        f = extract(article)
        t1 = time.perf_counter()
        clusterer.add_features(f)
        t2 = time.perf_counter()
        whole.append(t2 - t0)
        matching.append(t2 - t1)
    return whole, matching


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=300)
    args = parser.parse_args()
    sample = probes(args.probes)
    for article in sample:  # warm the encoder's cache identically for both runs
        extract(article)
    empty_whole, empty_match = time_adds(StoryClusterer(), sample)
    full = StoryClusterer()
    start = time.perf_counter()
    for f in synthetic(args.size):
        full.add_features(f)
    fill = time.perf_counter() - start
    full_whole, full_match = time_adds(full, sample)

    def ms(values: list[float], q: float) -> float:
        return 1000 * sorted(values)[int(q * (len(values) - 1))]

    print(f"filled {args.size:,} synthetic articles in {fill:.0f} s "
          f"({len(full.events):,} events, {len(full.stories):,} stories)")
    print(f"{'store':<22} {'add p50 ms':>10} {'p95 ms':>8} {'match p50 ms':>12} {'p95 ms':>8}")
    for name, whole, match in (("empty (baseline)", empty_whole, empty_match),
                               (f"{args.size:,} articles", full_whole, full_match)):
        print(f"{name:<22} {ms(whole, .5):>10.2f} {ms(whole, .95):>8.2f} {ms(match, .5):>12.2f} "
              f"{ms(match, .95):>8.2f}")
    ratio = statistics.median(full_whole) / statistics.median(empty_whole)
    print(f"median add with {args.size:,} stored / empty: {ratio:.2f}x; target median < 100 ms "
          f"(encoder cache warm: the end-to-end figure counts the text features and matching)")


if __name__ == "__main__":
    main()
