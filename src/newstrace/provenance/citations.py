"""Citations: where an article says its information comes from another outlet or document.

Sources, all from the text: the claims stage's attributions whose source is a
media outlet ("CNN reported on February 24", "German outlet Der Spiegel first
reported"), a document ("according to a recent Pentagon report"), a think tank
("the Washington-based think tank ISW says"), or whose cue names the outlet told
("three sources ... tell CNN", "told CBS News"); credit lines ("(CNN) —"); and
syndication footers ("The post ... appeared first on X").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from newstrace.nlp.temporal import iso_day, mentions
from newstrace.records import Article

_FIRST = re.compile(r"\b(first reported|first to report|was first|broke the news|"
                    r"first revealed|originally reported)\b", re.I)
_CREDIT = re.compile(r"^\s*\(([A-Z][\w .&’'-]{1,40})\)\s*[—–-]", re.M)
_FOOTER = re.compile(r"appeared first on\s+(.+?)\.?\s*$", re.I)
_LEADING = re.compile(r"^(?:the|a|an)\s+(?:[\w-]+\s+){0,3}?(?:outlet|publication|magazine|"
                      r"newspaper|broadcaster|network|think tank|daily)\s+", re.I)


def _citation(article: Article, cited: str, kind: str, cue: str, span: dict[str, Any] | None,
              sentence: str, claim_id: str | None, entity: str | None, day: date | None,
              reference: date | None = None, own: str = "") -> dict[str, Any]:
    # a date without a year ("reported on February 24") takes it from the article's own
    # date or, for an undated article, from the latest dated article carrying the claim;
    # the date in the attribution's own sentence ("Der Spiegel reported on February 23
    # that..."), not the first one near it: that may be another report's ("CNN reported
    # on February 24" the sentence before) or the citing article's own
    reference = day or reference
    found = mentions(own or sentence, reference)
    key = f"{article.id}:{cited}:{cue}:{(span or {}).get('start')}"
    return {"id": "cite-" + hashlib.sha1(key.encode()).hexdigest()[:12],
            "article_id": article.id, "cited": cited, "cited_entity": entity,
            "cited_kind": kind, "cue": cue,
            "date": found[0].isoformat() if found else None,
            "first_report": bool(_FIRST.search(sentence) or _FIRST.search(cue)),
            "claim_id": claim_id, "span": span}


def _own_sentences(text: str, spans: Sequence[Mapping[str, Any]]) -> str:
    """The sentence(s) holding ``spans`` (an attribution's source, cue and content).

    >>> text = "CNN reported on Monday. Der Spiegel said on Sunday that it was so. Later."
    >>> _own_sentences(text, [{"start": 24, "end": 35}, {"start": 53, "end": 66}])
    'Der Spiegel said on Sunday that it was so.'
    """
    start = min(x["start"] for x in spans)
    end = max(x["end"] for x in spans)
    begin = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start)) + 1
    stops = [i for i in (text.find(". ", end - 1), text.find("\n", end)) if i >= 0]
    return text[begin:min(stops) + 1 if stops else len(text)].strip()


def clean_name(text: str) -> str:
    """ "The German publication Der Spiegel" -> "Der Spiegel"."""
    return _LEADING.sub("", text.strip()).strip()


def extract_citations(articles: Sequence[Article], claims: Sequence[Mapping[str, Any]],
                      entities: Sequence[Mapping[str, Any]],
                      dates: Mapping[str, str | None]) -> list[dict[str, Any]]:
    """Citation records of every article, in article order; ``dates``: each article's
    trusted date (:func:`newstrace.nlp.temporal.trusted_date`)."""
    by_id = {a.id: a for a in articles}
    day_of = {a.id: iso_day(dates.get(a.id)) for a in articles}
    entity_by_id = {e["id"]: e for e in entities}
    media_names = {v["text"].lower(): e for e in entities if e.get("subtype") == "media"
                   for v in e["variants"]}
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str, int]] = set()
    for claim in claims:
        dated = [d for i in claim.get("article_ids", []) if (d := day_of.get(i)) is not None]
        reference = max(dated, default=None)
        for a in claim.get("attributions", []):
            article = by_id.get(a.get("article_id") or "")
            if article is None or not a.get("source"):
                continue  # no source named: nothing is cited
            sentence = article.text[max(0, a["source"]["start"] - 200):
                                    a["content"]["end"] + 50]
            own = _own_sentences(article.text, [a[role] for role in ("source", "cue", "content")
                                                if a.get(role)])
            entity = entity_by_id.get(a.get("source_entity") or "")
            kind = None
            cited = clean_name(a["source"]["text"])
            if a.get("via"):
                kind, cited = "media", a["via"]
                entity = media_names.get(cited.lower(), entity)
            elif a.get("source_type") == "media":
                kind = "media"
            elif a.get("source_type") == "document":
                kind = "document"
            elif entity and entity.get("subtype") == "think-tank":
                kind = "organization"
            if kind is None:
                continue
            if kind == "media":
                match = next((name for name in sorted(media_names, key=len, reverse=True)
                              if name in cited.lower()), None)
                if match:
                    entity = media_names[match]
                    cited = entity["name"]
            key = (article.id, cited.lower(), a["cue"]["start"])
            if key in seen:
                continue
            seen.add(key)
            out.append(_citation(article, cited, kind, a["cue"]["text"], a["source"], sentence,
                                 claim["id"], entity["id"] if entity else None,
                                 day_of[article.id], reference, own))
    for article in articles:
        credit = _CREDIT.search(article.text[:300])
        if credit and credit.group(1) != article.outlet:
            span = {"text": credit.group(0).strip(), "start": credit.start(), "end": credit.end()}
            entity = media_names.get(credit.group(1).lower())
            out.append(_citation(article, credit.group(1), "media", "credit line", span,
                                 credit.group(0), None, entity["id"] if entity else None,
                                 day_of[article.id]))
        for piece in article.boilerplate:
            footer = _FOOTER.search(piece.text)
            if footer and piece.reason == "syndication-footer":
                name = footer.group(1).strip()
                if name != article.outlet:
                    out.append(_citation(article, name, "media", "appeared first on", None,
                                         piece.text, None, None, day_of[article.id]))
    return out
