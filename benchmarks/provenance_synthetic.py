"""Provenance with known ground truth: corpora derived from real articles.

    python benchmarks/provenance_synthetic.py [--families 12] [--seed 0]

How the corpus is made. Originals: ``--families`` ECB+ dev articles, each from a
different topic (real news text, detokenised), given an outlet "Outlet N" and a
date. From each original three derived articles:

* a *copy* by a content farm ("Farm N", no date): every fifth sentence dropped,
  a few words swapped for synonyms, and a syndication footer "The post ...
  appeared first on Farm N." (kept as boilerplate, as the cleaner does);
* a *citing summary* ("Digest N", dated a day later): "Outlet N reported on
  <date> that" + the original's first sentence, then its next two sentences;
* a *republication* ("Mirror N"): the original word for word under a date
  400 days later.

Ground truth: every claim that spreads over articles of one family has the
original as its single origin (independent sources = 1), and each family has one
republication. All newstrace stages run (reuse, stories, claims, provenance).
Reported: precision and recall of origin articles over multi-article claims;
precision and recall of the independent sources counted (the distinct outlets
among a claim's origins, against the original's outlet), the share of claims
whose ``independent_sources`` is exactly 1 and the distribution of the counts;
the recall of the republication anomalies. These derivations only make claims
with one true source: they measure over-counting (a copy or a citation counted
as corroboration), not a failure to count two real independent reports; the
seeds hold that case (the drone claim: CNN and Der Spiegel, 2).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from newstrace.nlp.sentences import split_sentences
from newstrace.pipeline import run_stages
from newstrace.records import Article, Boilerplate, article_id

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SYNONYMS = {"said": "stated", "police": "authorities", "killed": "left dead", "people": "persons",
            "announced": "declared", "found": "discovered", "company": "firm",
            "arrested": "detained", "government": "administration", "officials": "authorities"}


def detokenise(text: str) -> str:
    text = re.sub(r" ([,.;:!?'%)])", r"\1", text).replace("( ", "(").replace(" n't", "n't")
    return text.replace("`` ", "“").replace(" ''", "”").replace(" 's", "’s")


def families(count: int, seed: int) -> tuple[list[Article], dict[str, int], list[str]]:
    rng = random.Random(seed)
    docs = [json.loads(line) for line in (DATA / "ecbplus" / "dev.jsonl").read_text()
            .splitlines()]
    by_topic: dict[str, list[dict]] = {}
    for d in docs:
        by_topic.setdefault(d["topic"], []).append(d)
    topics = sorted(by_topic, key=int)
    rng.shuffle(topics)
    articles: list[Article] = []
    family_of: dict[str, int] = {}
    originals: list[str] = []
    for n, topic in enumerate(topics[:count]):
        doc = max(by_topic[topic], key=lambda d: d["text"].count(" said"))  # one with quotes
        text = detokenise(doc["text"])
        sentences = split_sentences(text)
        day = date(2023, 1, 1) + timedelta(days=7 * n)
        title = sentences[0][:90]
        original = Article(article_id(text, f"o{n}"), f"o{n}", text, outlet=f"Outlet {n}",
                           title=title, published=day.isoformat(), published_from="dateline")
        kept = [s for i, s in enumerate(sentences) if i % 5 != 4]
        copy_text = " ".join(kept)
        for word, other in SYNONYMS.items():
            copy_text = re.sub(rf"\b{word}\b", other, copy_text, count=2)
        footer = f"The post {title} appeared first on Farm {n}."
        copy = Article(article_id(copy_text, f"c{n}"), f"c{n}", copy_text, outlet=f"Farm {n}",
                       title=title, outlet_from="syndication-footer",
                       boilerplate=[Boilerplate(footer, "syndication-footer")])
        lead = sentences[0][0].lower() + sentences[0][1:]
        summary_text = (f"Outlet {n} reported on {day.strftime('%B %d')} that {lead} "
                        + " ".join(sentences[1:3]))
        summary = Article(article_id(summary_text, f"s{n}"), f"s{n}", summary_text,
                          outlet=f"Digest {n}", title=f"Digest: {title[:60]}",
                          published=(day + timedelta(days=1)).isoformat(),
                          published_from="dateline")
        republished = Article(article_id(text, f"r{n}"), f"r{n}", text, outlet=f"Mirror {n}",
                              title=title, published=(day + timedelta(days=400)).isoformat(),
                              published_from="dateline")
        for a in (original, copy, summary, republished):
            articles.append(a)
            family_of[a.id] = n
        originals.append(original.id)
    return articles, family_of, originals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    articles, family_of, originals = families(args.families, args.seed)
    run = run_stages(articles)
    items = run.report_items()
    claims = [c for c in items["claims"] if c.get("kind") == "claim"
              and len(c["article_ids"]) >= 2]
    outlet_of = {a.id: a.outlet for a in articles}
    tp = predicted = found = single = 0
    src_tp = src_predicted = 0
    counts: Counter[int] = Counter()
    for claim in claims:
        family = Counter(family_of[a] for a in claim["article_ids"]).most_common(1)[0][0]
        gold = originals[family]
        origin_articles = [o["id"] for o in claim["origins"] if o["kind"] == "article"]
        predicted += len(claim["origins"])
        tp += gold in origin_articles
        found += gold in origin_articles
        single += claim["independent_sources"] == 1
        counts[claim["independent_sources"]] += 1
        # the independent sources are the distinct outlets among the origins; gold: the
        # original's outlet alone
        sources = {o.get("outlet") or o["id"] for o in claim["origins"]}
        src_predicted += len(sources)
        src_tp += outlet_of[gold] in sources
    republications = {tuple(a["article_ids"]) for a in items["anomalies"]
                      if a["kind"] == "republication"}
    expected = {(o, a.id) for o in originals for a in articles
                if family_of[a.id] == family_of[o] and a.source.startswith("r")}
    print(f"{len(articles)} articles in {args.families} families; stages: {run.status}")
    print(f"multi-article claims: {len(claims)}")
    print(f"origin precision {tp / predicted if predicted else 0:.3f} "
          f"(correct origin articles / origins predicted)")
    print(f"origin recall    {found / len(claims) if claims else 0:.3f} "
          f"(claims whose origin list holds the true original)")
    print(f"independent sources precision {src_tp / src_predicted if src_predicted else 0:.3f} "
          f"(gold source among the sources counted / sources counted), recall "
          f"{src_tp / len(claims) if claims else 0:.3f} (gold source counted / claims)")
    print(f"independent_sources == 1 (gold) for {single / len(claims) if claims else 0:.3f} "
          f"of claims; counts {dict(sorted(counts.items()))}")
    print(f"republications flagged: {len(expected & republications)} of {len(expected)} "
          f"(plus {len(republications - expected)} other)")


if __name__ == "__main__":
    main()
