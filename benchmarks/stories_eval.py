"""Event and topic clustering quality on ECB+ dev and NewsWCL50, against a batch baseline.

    python benchmarks/stories_eval.py [--orders 5] [--tune]

Documents are streamed one by one, in ``--orders`` shuffled orders (seeds 0..n-1),
into newstrace's online clusterer; events are compared with the gold events
(ECB+ ``event_cluster``, NewsWCL50 ``event``) and stories with the gold topics
(ECB+ ``topic``). Figures: BCubed F1 and pairwise F1, mean and standard deviation
over the orders. Thresholds were chosen with ``--tune`` on the odd-numbered ECB+
topics only; the figures are reported for the even-numbered topics (held out),
and for all topics. Baseline, in the same run: TF-IDF vectors of the whole text
and average-linkage agglomerative clustering (scipy) over all documents at once,
cut at the distance that is best on the odd topics.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from newstrace.records import Article, article_id
from newstrace.stories import clusterer as clustering
from newstrace.stories.features import terms
from newstrace.stories.tfidf import IncrementalTfidf

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def load_ecb() -> list[dict]:
    return [json.loads(line) for line in (DATA / "ecbplus" / "dev.jsonl").read_text().splitlines()]


def load_wcl() -> list[dict]:
    return [json.loads(line) for line in
            (DATA / "newswcl50" / "docs.jsonl").read_text().splitlines()]


def as_article(doc: dict) -> Article:
    # ECB+ text is tokenised: undo the spaces before punctuation the tokeniser added
    text = doc["text"].replace(" ,", ",").replace(" .", ".").replace(" '", "'").replace("\\n", "")
    return Article(id=article_id(text, doc["doc"]), source=doc["doc"], text=text)


def bcubed(pred: dict[str, str], gold: dict[str, str]) -> float:
    by_pred, by_gold = defaultdict(set), defaultdict(set)
    for item, c in pred.items():
        by_pred[c].add(item)
    for item, c in gold.items():
        by_gold[c].add(item)
    p = statistics.mean(len(by_pred[pred[i]] & by_gold[gold[i]]) / len(by_pred[pred[i]])
                        for i in gold)
    r = statistics.mean(len(by_pred[pred[i]] & by_gold[gold[i]]) / len(by_gold[gold[i]])
                        for i in gold)
    return 2 * p * r / (p + r)


def pairwise(pred: dict[str, str], gold: dict[str, str]) -> float:
    items = sorted(gold)
    tp = fp = fn = 0
    for a, b in itertools.combinations(items, 2):
        same_pred, same_gold = pred[a] == pred[b], gold[a] == gold[b]
        tp += same_pred and same_gold
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def stream(articles: list[Article], order_seed: int, event_t: float, story_t: float
           ) -> tuple[dict[str, str], dict[str, str]]:
    order = articles[:]
    random.Random(order_seed).shuffle(order)
    model = clustering.StoryClusterer(event_threshold=event_t, story_threshold=story_t)
    events, stories = {}, {}
    for a in order:
        model.add(a)
    for a in articles:
        event = model.events[model.event_of[a.id]]
        events[a.id] = event.id
        stories[a.id] = event.parent or event.id
    return events, stories


def baseline(articles: list[Article], cut: float) -> dict[str, str]:
    tfidf = IncrementalTfidf()
    counts = [Counter(terms(a.text)) for a in articles]
    for c in counts:
        tfidf.observe(c)
    vocab = {t: i for i, t in enumerate(sorted(tfidf.df))}
    matrix = np.zeros((len(articles), len(vocab)), dtype=np.float32)
    for row, c in enumerate(counts):
        for t, w in tfidf.weigh(c).items():
            matrix[row, vocab[t]] = w
    distance = np.clip(1 - matrix @ matrix.T, 0, 2)
    np.fill_diagonal(distance, 0)
    labels = fcluster(linkage(squareform(distance, checks=False), "average"), cut, "distance")
    return {a.id: str(label) for a, label in zip(articles, labels, strict=True)}


def scores(pred: dict[str, str], gold: dict[str, str], ids: set[str]) -> tuple[float, float]:
    p = {i: pred[i] for i in ids}
    g = {i: gold[i] for i in ids}
    return bcubed(p, g), pairwise(p, g)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("--tune", action="store_true", help="grid-search thresholds on odd topics")
    args = parser.parse_args()
    docs = load_ecb()
    articles = [as_article(d) for d in docs]
    gold_event = {a.id: d["event_cluster"] for a, d in zip(articles, docs, strict=True)}
    gold_topic = {a.id: d["topic"] for a, d in zip(articles, docs, strict=True)}
    odd = {a.id for a, d in zip(articles, docs, strict=True) if int(d["topic"]) % 2 == 1}
    even = set(gold_event) - odd
    event_t, story_t = clustering.EVENT_THRESHOLD, clustering.STORY_THRESHOLD
    if args.tune:
        best = None
        for et in (0.12, 0.15, 0.18, 0.21, 0.24):
            for st in (0.06, 0.08, 0.1, 0.12):
                if st >= et:
                    continue
                events, stories = stream(articles, 0, et, st)
                f_event = scores(events, gold_event, odd)[0]
                f_topic = scores(stories, gold_topic, odd)[0]
                print(f"tune event={et:.2f} story={st:.2f}: odd-topic event B3 {f_event:.3f}, "
                      f"topic B3 {f_topic:.3f}", flush=True)
                if best is None or f_event + 0.5 * f_topic > best[0]:
                    best = (f_event + 0.5 * f_topic, et, st)
        _, event_t, story_t = best  # type: ignore[misc]
        print(f"chosen on odd topics: event threshold {event_t}, story threshold {story_t}")
    cuts = (0.5, 0.6, 0.7, 0.8, 0.9)
    cut = max(cuts, key=lambda c: scores(baseline(articles, c), gold_event, odd)[0])
    base = baseline(articles, cut)
    rows = defaultdict(list)
    for seed in range(args.orders):
        events, stories = stream(articles, seed, event_t, story_t)
        for split, ids in (("even (held out)", even), ("all", set(gold_event))):
            rows[("ECB+", split, "event")].append(scores(events, gold_event, ids))
            rows[("ECB+", split, "topic")].append(scores(stories, gold_topic, ids))
    wcl_docs = load_wcl()
    wcl = [as_article(d) for d in wcl_docs]
    wcl_gold = {a.id: d["event"] for a, d in zip(wcl, wcl_docs, strict=True)}
    for seed in range(args.orders):
        events, _ = stream(wcl, seed, event_t, story_t)
        rows[("NewsWCL50", "all", "event")].append(scores(events, wcl_gold, set(wcl_gold)))
    wcl_base = baseline(wcl, cut)
    print(f"\nthresholds: event {event_t}, story {story_t}; baseline cut {cut} "
          f"(chosen on odd ECB+ topics); {args.orders} shuffled orders")
    print(f"{'data':<10} {'split':<16} {'level':<6} {'B3 F1 (mean ± sd)':>18} "
          f"{'pair F1 (mean ± sd)':>20} {'baseline B3':>12} {'baseline pair':>14}")
    for (data, split, level), values in rows.items():
        b3 = [v[0] for v in values]
        pw = [v[1] for v in values]
        if data == "ECB+":
            ids = even if split.startswith("even") else set(gold_event)
            gold = gold_event if level == "event" else gold_topic
            bb3, bpw = scores(base, gold, ids)
        else:
            bb3, bpw = scores(wcl_base, wcl_gold, set(wcl_gold))
        sd = statistics.pstdev
        print(f"{data:<10} {split:<16} {level:<6} {statistics.mean(b3):>10.3f} ± {sd(b3):.3f} "
              f"{statistics.mean(pw):>12.3f} ± {sd(pw):.3f} {bb3:>12.3f} {bpw:>14.3f}")


if __name__ == "__main__":
    main()
