"""Reuse detection quality on WMT22 dev: translations and MT outputs of one article.

    python benchmarks/reuse_wmt22.py [--per-doc 8] [--negatives 20000] [--seed 0]

Corpus: for each of the 179 WMT22 documents, its source text, its human reference
translation(s) and machine-translation outputs (up to ``--per-doc`` texts per
document, source and references first). Every pair of texts of one document is
a gold reuse pair (same language: rewrites of each other; across languages:
translations); texts of different documents are not.

newstrace's reuse index is fed every text in a shuffled order; a pair is
predicted when an edge of any kind joins it. ROC-AUC ranks all gold pairs
against ``--negatives`` random cross-document pairs plus every cross-document
pair the blocking stage proposed (the hard ones), by the alignment score.
Baseline, in the same run: datasketch MinHash LSH (word 5-shingles, threshold
0.5, 128 permutations), scored by estimated Jaccard.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import time
from pathlib import Path

import numpy as np
from datasketch import MinHashLSH

from newstrace.records import Article, article_id
from newstrace.reuse.align import align
from newstrace.reuse.fingerprints import NUM_PERM, minhash
from newstrace.reuse.index import ReuseIndex, classify

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wmt22" / "dev.jsonl"


def load(per_doc: int) -> list[tuple[Article, str, str]]:
    """(article, doc_id, language) for every text used."""
    texts = []
    for line in DATA.read_text().splitlines():
        rec = json.loads(line)
        target = rec["pair"].split("-")[1]
        items = [(rec["src"], rec["src_lang"])]
        items += [(t, target) for t in rec["refs"].values()]
        items += [(t, target) for t in rec["hyps"].values()]
        for n, (text, lang) in enumerate(items[:per_doc]):
            art = Article(id=article_id(text, f"{rec['doc_id']}/{n}"), source=rec["doc_id"],
                          text=text, language=lang)
            texts.append((art, rec["doc_id"], lang))
    return texts


def roc_auc(positive: list[float], negative: list[float]) -> float:
    """Probability that a random gold pair scores above a random non-pair (ties count half)."""
    scores = np.array(positive + negative)
    ranks = scores.argsort().argsort().astype(float) + 1
    # average ranks of ties
    for value in np.unique(scores):
        mask = scores == value
        if mask.sum() > 1:
            ranks[mask] = ranks[mask].mean()
    n_pos, n_neg = len(positive), len(negative)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def prf(predicted: set[frozenset[str]], gold: set[frozenset[str]]) -> tuple[float, float, float]:
    tp = len(predicted & gold)
    p = tp / len(predicted) if predicted else 0.0
    r = tp / len(gold) if gold else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-doc", type=int, default=8)
    parser.add_argument("--negatives", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    texts = load(args.per_doc)
    rng.shuffle(texts)
    doc_of = {a.id: d for a, d, _ in texts}
    lang_of = {a.id: lang for a, _, lang in texts}
    gold = {frozenset((a.id, b.id)) for (a, da, _), (b, db, _) in
            itertools.combinations(texts, 2) if da == db}

    start = time.perf_counter()
    index = ReuseIndex()
    predicted: set[frozenset[str]] = set()
    proposed: set[frozenset[str]] = set()
    for article, _, _ in texts:
        entry = index.entry_for(article)
        for other in index.candidates(entry):
            proposed.add(frozenset((other, article.id)))
        for other_id, stage in index.candidates(entry).items():
            if index.compare(index.tables.entries([other_id])[other_id], entry,
                             stage) is not None:
                predicted.add(frozenset((other_id, article.id)))
        index._insert(entry)
    elapsed = time.perf_counter() - start

    start = time.perf_counter()
    lsh = MinHashLSH(threshold=0.5, num_perm=NUM_PERM)
    signatures = {}
    baseline: set[frozenset[str]] = set()
    for article, _, _ in texts:
        sig = minhash(article.text)
        signatures[article.id] = sig
        baseline.update(frozenset((o, article.id)) for o in lsh.query(sig))
        lsh.insert(article.id, sig)
    baseline_elapsed = time.perf_counter() - start

    ids = [a.id for a, _, _ in texts]
    hard = {p for p in proposed if doc_of[min(p)] != doc_of[max(p)]}
    negatives = set(hard)
    while len(negatives) < len(hard) + args.negatives:
        a, b = rng.sample(ids, 2)
        if doc_of[a] != doc_of[b]:
            negatives.add(frozenset((a, b)))

    def ours(pair: frozenset[str]) -> float:
        a, b = sorted(pair)
        both = index.tables.entries([a, b])
        ea, eb = both[a], both[b]
        pairs = align(ea.full_vectors() @ eb.full_vectors().T)
        return classify(pairs, len(ea.sentences), len(eb.sentences), None, None)[2]

    def theirs(pair: frozenset[str]) -> float:
        a, b = sorted(pair)
        return signatures[a].jaccard(signatures[b])

    print(f"texts: {len(texts)} from {len(set(doc_of.values()))} documents; gold pairs: "
          f"{len(gold)}; negatives for ROC: {len(negatives)} ({len(hard)} proposed by blocking)")
    found = {p for p in proposed if doc_of[min(p)] == doc_of[max(p)]}
    print(f"blocking recall (gold pairs that reached comparison): {len(found) / len(gold):.3f}")
    print(f"newstrace reuse: {elapsed:.1f} s ({len(texts) / elapsed:.1f} texts/s); "
          f"MinHash baseline: {baseline_elapsed:.1f} s")
    print(f"{'setting':<16} {'method':<10} {'pairs':>6} {'P':>6} {'R':>6} {'F1':>6} {'AUC':>6}")
    for setting in ("all", "same-language", "cross-language"):
        def keep(pair: frozenset[str], setting: str = setting) -> bool:
            a, b = sorted(pair)
            same = lang_of[a] == lang_of[b]
            return setting == "all" or (setting == "same-language") == same
        g = {p for p in gold if keep(p)}
        negs = [p for p in negatives if keep(p)]
        for name, pred, score in (("newstrace", predicted, ours), ("minhash", baseline, theirs)):
            p, r, f = prf({x for x in pred if keep(x)}, g)
            auc = roc_auc([score(x) for x in g], [score(x) for x in negs])
            print(f"{setting:<16} {name:<10} {len(g):>6} {p:>6.3f} {r:>6.3f} {f:>6.3f} "
                  f"{auc:>6.3f}")


if __name__ == "__main__":
    main()
