"""Anomalies a reader can check: each comes with the sentences or dates that show it.

* ``date-content-conflict``: the stated date disagrees with what the content says
  about time: "nearly three weeks after its invasion of Ukraine" in an article
  dated a year later (anchored on events of known date, :data:`ANCHORS`, or dated
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
from datetime import date, timedelta
from typing import Any

from newstrace.records import Article

#: Events the content of news often counts from. A small, documented list: an
#: anchor is used only when the text names it ("after its invasion of Ukraine").
ANCHORS = {
    r"invasion of Ukraine|invaded Ukraine|full-scale invasion": date(2022, 2, 24),
    r"annexation of Crimea|annexed Crimea": date(2014, 3, 18),
    r"October 7 attack|Hamas attack on Israel": date(2023, 10, 7),
}
_NUMBER = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "a few": 3, "several": 4}
_AFTER = re.compile(r"\b(?:nearly |almost |about |more than |just |some )?"
                    r"(\d+|a few|a|one|two|three|four|five|six|seven|eight|nine|ten|several)\s+"
                    r"(day|week|month|year)s?\s+(?:after|since|into)\s+(?:its\s+|the\s+|their\s+)?"
                    r"([^.,;]{3,60})", re.I)
_UNIT = {"day": 1, "week": 7, "month": 30, "year": 365}
CONFLICT_DAYS = 60
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
        if not article.published:
            continue
        try:
            stated = date.fromisoformat(article.published[:10])
        except ValueError:
            continue
        for m in _AFTER.finditer(article.text):
            count = _NUMBER.get(m.group(1).lower()) or (int(m.group(1))
                                                        if m.group(1).isdigit() else None)
            anchor = next((d for pattern, d in ANCHORS.items()
                           if re.search(pattern, m.group(3), re.I)), None)
            if count is None or anchor is None:
                continue
            implied = anchor + timedelta(days=count * _UNIT[m.group(2).lower()])
            gap = abs((stated - implied).days)
            if gap > CONFLICT_DAYS:
                sentence = _sentence_at(article.text, m.start())
                out.append({
                    "id": _id("date-content-conflict", article.id, str(m.start())),
                    "kind": "date-content-conflict", "article_ids": [article.id],
                    "description": (f"stated date {stated.isoformat()} but the content places "
                                    f"itself around {implied.isoformat()} ({gap} days apart)"),
                    "evidence": {"stated_date": stated.isoformat(),
                                 "implied_date": implied.isoformat(), "sentence": sentence,
                                 "anchor": m.group(3).strip(), "anchor_date": anchor.isoformat(),
                                 "offset": m.start()}})
                break
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
    out = []
    for article in articles:
        garbled = sorted({v["text"] for e in entities for v in e["variants"]
                          if v.get("garbled") and article.id in v["article_ids"]})
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
