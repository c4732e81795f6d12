"""Anomalies a reader can check: each comes with the sentences or dates that show it.

* ``date-content-conflict``: the stated date disagrees with what the content says
  about time: "nearly three weeks after its invasion of Ukraine" in an article
  dated a year later (anchored on events of known date,
  :data:`newstrace.nlp.temporal.ANCHORS`, or dated
  in another article of the corpus), or content dates after the stated date.
* ``repost-channel``: an outlet whose every article in the corpus is a copy of
  another outlet's.
* ``translation-artifacts`` / ``spinning-artifacts``: garbled names (from the
  entity variants), broken sentences (a full stop followed by a lower-case word,
  a capital after a comma mid-sentence, a sentence ending in a dangling verb).
  Translation when the article is a reuse copy or garbles names, spinning otherwise.
* ``anonymous-only-origin``: a claim whose only origins rest on anonymous sources.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from newstrace.nlp.temporal import content_conflict
from newstrace.records import Article

_BROKEN = [
    (re.compile(r"[a-z]{2,}\. [a-z]{2,}\b"), "a full stop followed by a lower-case word"),
    (re.compile(r", (?:He|She|They|It|We) [a-z]+"), "a capitalised pronoun after a comma"),
    (re.compile(r"\b(?:to provide|to make|to take|to give)\.(?:\s|$)"),
     "a sentence ending in a dangling verb"),
    (re.compile(r"[a-z] [A-Z][a-z]+ (?:The|It|A) [a-z]+"), "two sentences run together"),
]


def _id(kind: str, *parts: str) -> str:
    return f"{kind}-" + hashlib.sha1(":".join(parts).encode()).hexdigest()[:10]


def date_conflicts(articles: Sequence[Article]) -> list[dict[str, Any]]:
    out = []
    for article in articles:
        conflict = content_conflict(article.text, article.published)
        if conflict is None:
            continue
        stated, implied, m = conflict.stated, conflict.implied, conflict.match
        gap = abs((stated - implied).days)
        sentence = _sentence_at(article.text, m.start())
        out.append({
            "id": _id("date-content-conflict", article.id, str(m.start())),
            "kind": "date-content-conflict", "article_ids": [article.id],
            "description": (f"stated date {stated.isoformat()} but the content places "
                            f"itself around {implied.isoformat()} ({gap} days apart)"),
            "evidence": {"stated_date": stated.isoformat(),
                         "implied_date": implied.isoformat(), "sentence": sentence,
                         "anchor": m.group(3).strip(), "anchor_date": conflict.anchor.isoformat(),
                         "offset": m.start()}})
    return out


def _sentence_at(text: str, position: int) -> str:
    start = max(text.rfind(". ", 0, position), text.rfind("\n", 0, position)) + 1
    end_candidates = [i for i in (text.find(". ", position), text.find("\n", position)) if i > 0]
    end = min(end_candidates) + 1 if end_candidates else len(text)
    return text[start:end].strip()


def repost_channels(articles: Sequence[Article], reuse: Sequence[Mapping[str, Any]]
                    ) -> list[dict[str, Any]]:
    copies = {e["copy"]: e for e in reuse}
    by_outlet: dict[str, list[Article]] = {}
    for a in articles:
        if a.outlet:
            by_outlet.setdefault(a.outlet, []).append(a)
    out = []
    for outlet, items in sorted(by_outlet.items()):
        if items and all(a.id in copies for a in items):
            originals = sorted({copies[a.id]["original"] for a in items})
            out.append({"id": _id("repost-channel", outlet), "kind": "repost-channel",
                        "article_ids": [a.id for a in items],
                        "description": f"every article of {outlet} in the corpus is a copy of "
                                       f"another outlet's article",
                        "evidence": {"outlet": outlet, "copies_of": originals,
                                     "reuse_kinds": sorted({copies[a.id]["kind"]
                                                            for a in items})}})
    return out


def text_artifacts(articles: Sequence[Article], entities: Sequence[Mapping[str, Any]],
                   reuse: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    copies = {e["copy"] for e in reuse if e["kind"] in ("rewrite", "translation")}
    garbled_in: dict[str, set[str]] = {}  # article -> its garbled names, found once
    for e in entities:
        for v in e["variants"]:
            if v.get("garbled"):
                for article_id in v["article_ids"]:
                    garbled_in.setdefault(article_id, set()).add(v["text"])
    out = []
    for article in articles:
        garbled = sorted(garbled_in.get(article.id, ()))
        broken = []
        for pattern, why in _BROKEN:
            for m in pattern.finditer(article.text):
                broken.append({"why": why, "text": article.text[max(0, m.start() - 40):
                                                                 m.end() + 20].strip(),
                               "offset": m.start()})
        if not garbled and len(broken) < 1:
            continue
        kind = "translation-artifacts" if article.id in copies or garbled else \
            "spinning-artifacts"
        out.append({"id": _id(kind, article.id), "kind": kind, "article_ids": [article.id],
                    "description": f"{len(garbled)} garbled name(s) and {len(broken)} broken "
                                   f"sentence(s)",
                    "evidence": {"garbled_names": garbled, "broken_sentences": broken[:10],
                                 "is_copy": article.id in copies}})
    return out


def anonymous_origins(claims: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for claim in claims:
        origins = claim.get("origins") or []
        if len(claim.get("article_ids", [])) < 2:
            continue  # a claim that did not spread is not a provenance question
        if origins and all(o.get("anonymous") for o in origins):
            out.append({"id": _id("anonymous-only-origin", claim["id"]),
                        "kind": "anonymous-only-origin", "article_ids": claim["article_ids"],
                        "description": f"the claim rests only on anonymous sources: "
                                       f"{claim['text'][:100]}",
                        "evidence": {"claim_id": claim["id"], "origins": origins}})
    return out
