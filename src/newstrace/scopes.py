"""Scopes: the connected parts of a corpus, each analysed whole.

Two articles are in one scope when a story holds both or one reuses the other
(directly, or through other articles: a connected component). Every analysis
result (a claim group, an entity cluster, a provenance chain) is computed within
one scope, so that

- adding articles recomputes only the scopes they join (touching only what they
  affect), and
- the answer does not depend on how the articles were split into runs: a scope's
  results are a function of its articles, whenever they came.

    >>> links = [("a", "b"), ("c", "d"), ("b", "e")]
    >>> [sorted(part) for part in components(["a", "b", "c", "d", "e", "f"], links)]
    [['a', 'b', 'e'], ['c', 'd'], ['f']]
    >>> scope_key(["b", "a"]) == scope_key(["a", "b"])
    True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from newstrace.nlp.temporal import trusted_date_of
from newstrace.records import Article

#: item fields that name one article
ARTICLE_FIELDS = ("article_id", "original", "copy", "first_report")


def item_article_ids(item: dict[str, Any]) -> list[str]:
    """The articles a report item is about.

    >>> item_article_ids({"original": "a", "copy": "b"})
    ['a', 'b']
    """
    ids = list(item.get("article_ids") or [])
    for key in ARTICLE_FIELDS:
        if isinstance(item.get(key), str):
            ids.append(item[key])
    return ids


def scope_key(article_ids: Iterable[str]) -> str:
    """A scope's key, from its members alone: the same articles give the same key,
    however they arrived."""
    digest = hashlib.sha1("\n".join(sorted(set(article_ids))).encode()).hexdigest()
    return "scope-" + digest[:20]


def in_canonical_order(articles: Iterable[Article]) -> list[Article]:
    """Articles in the order a scope is analysed in, whatever order they arrived in: by
    trusted date (:func:`newstrace.nlp.temporal.trusted_date`; the undated last), then
    id. What is "earlier" to a stage (the first wording of a claim) is so by time.

    >>> a = Article(id="b", source="x", text="t", published="2023-02-24")
    >>> b = Article(id="a", source="y", text="t")
    >>> [x.id for x in in_canonical_order([b, a])]
    ['b', 'a']
    """
    def key(article: Article) -> tuple[str, str]:
        return (trusted_date_of(article)[0] or "9999-99-99", article.id)
    return sorted(articles, key=key)


def components(ids: Sequence[str], links: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The connected parts of ``ids`` under ``links`` (pairs; a pair naming an id not
    in ``ids`` is ignored), each in the order of ``ids``, ordered by their first id."""
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in links:
        if a in parent and b in parent:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[rb] = ra
    parts: dict[str, list[str]] = {}
    for i in ids:
        parts.setdefault(root(i), []).append(i)
    return list(parts.values())


def merge_items(kind: str, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items of one kind from several scopes, one per id, in first-seen order.

    Most ids belong to one scope (a claim, a story). An entity, or an outlet's
    anomaly, can be found in several: its lists are joined (an entity's variants
    by their text, with counts added) and the rest is the first scope's.

    >>> merge_items("entities", [
    ...     {"id": "e", "article_ids": ["a"], "variants": [{"text": "X", "count": 1,
    ...      "article_ids": ["a"], "garbled": False}]},
    ...     {"id": "e", "article_ids": ["b"], "variants": [{"text": "X", "count": 2,
    ...      "article_ids": ["b"], "garbled": False}]}])[0]["variants"][0]["count"]
    3
    """
    merged: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(items):
        key = str(item.get("id") or f"{kind}-{index}")
        if key not in merged:
            merged[key] = item
        else:
            merged[key] = _joined(merged[key], item)
    return list(merged.values())


def _joined(first: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    out = dict(first)
    for field, value in other.items():
        mine = out.get(field)
        if field == "variants" and isinstance(mine, list) and isinstance(value, list):
            out[field] = _joined_variants(mine, value)
        elif isinstance(mine, list) and isinstance(value, list):
            seen = {json.dumps(v, sort_keys=True) for v in mine}
            out[field] = mine + [v for v in value
                                 if json.dumps(v, sort_keys=True) not in seen]
            if field == "article_ids" and all(isinstance(v, str) for v in out[field]):
                out[field] = sorted(set(out[field]))
        elif isinstance(mine, bool) and isinstance(value, bool):
            out[field] = mine or value
        elif field not in out:
            out[field] = value
    return out


def _joined_variants(mine: list[dict[str, Any]], theirs: list[dict[str, Any]]
                     ) -> list[dict[str, Any]]:
    by_text = {v.get("text"): dict(v) for v in mine}
    for v in theirs:
        known = by_text.get(v.get("text"))
        if known is None:
            by_text[v.get("text")] = dict(v)
            continue
        known["count"] = int(known.get("count") or 0) + int(v.get("count") or 0)
        known["article_ids"] = sorted(set(known.get("article_ids") or [])
                                      | set(v.get("article_ids") or []))
        known["garbled"] = bool(known.get("garbled")) or bool(v.get("garbled"))
    return sorted(by_text.values(), key=lambda v: (-int(v.get("count") or 0),
                                                   str(v.get("text"))))
