"""Each scope's analysis, in a Spark task: every stage's ``analyze``, as the pipeline runs it.

A task gets, for each scope, its articles (with their kept products), the reuse
edges among them and the story clusterer's rows its articles need, and runs the
stages of :data:`newstrace.registry.STAGES` in order over the scope, exactly as
:func:`newstrace.pipeline.run_stages` does (same ``upstream``, same ``context``):
the items are the single machine's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from newstrace.ingest.files import describe_failure
from newstrace.records import Article

log = logging.getLogger(__name__)

#: one scope's inputs: ``(order, article JSON, claims product JSON, features JSON)``
#: rows, reuse edges as JSON, and story rows ``(key, value JSON)``
ScopeInput = tuple[Iterable[tuple[int, str, str | None, str | None]], Iterable[str],
                   Iterable[tuple[str, str]]]


def analyse_scopes(scopes: Iterable[tuple[str, ScopeInput]], state: dict[str, Any]
                   ) -> Iterator[tuple[str, Any]]:
    """For each ``(scope, inputs)``: ``("items", (scope, kind, item id, item JSON))``
    rows, ``("member", (scope, order, article id))``, ``("status", (stage, status))``,
    ``("error", (source, stage, reason))`` when a stage fails on a scope, and
    ``("product", (order, article id, kind, product JSON))`` for every per-article
    product a stage's analysis kept (in a store it would be there for the next run).
    ``state`` is the story clusterer's (its document counts), as a store keeps it."""
    from newstrace.claims.products import extract_kind
    from newstrace.pipeline import _load
    from newstrace.registry import STAGES
    from newstrace.scopes import in_canonical_order, scope_key
    from newstrace.spark.articles import one_process
    from newstrace.stages import MemoryProducts, MemoryRows, StageContext, StageResult
    from newstrace.stories import FEATURES_PRODUCT

    one_process()
    loaded = [_load(stage) for stage in STAGES]
    claims_kind = extract_kind()
    for _, (article_rows, edge_rows, story_rows) in scopes:
        arrived = [(r, Article.from_dict(json.loads(r[1])))
                   for r in sorted(article_rows, key=lambda r: r[0])]
        row_of = {id(a): r for r, a in arrived}
        # in the single machine's canonical order (the order of arrival decides nothing)
        articles = in_canonical_order(a for _, a in arrived)
        ordered = [row_of[id(a)] for a in articles]
        scope = scope_key(a.id for a in articles)
        for (order, *_), article in zip(ordered, articles, strict=True):
            yield "member", (scope, order, article.id)
        products = MemoryProducts()
        products.values[claims_kind] = {a.id: r[2] for r, a in zip(ordered, articles,
                                                                   strict=True) if r[2]}
        products.values[FEATURES_PRODUCT] = {a.id: r[3] for r, a in zip(ordered, articles,
                                                                        strict=True) if r[3]}
        given = {kind: dict(values) for kind, values in products.values.items()}
        held = {"reuse": [json.loads(e) for e in edge_rows]}
        rows = MemoryRows({key: json.loads(value) for key, value in story_rows})
        # a new dict for each scope: the stories stage keeps the clusterer it last built
        # by the identity of its state, and each scope's rows are its own
        states: dict[str, Any] = {"stories": {**state}}
        results: dict[str, StageResult] = {}
        for stage in loaded:
            name = stage.stage.name
            if stage.failure:
                yield "status", (name, stage.failure)
                continue
            missing = [r for r in stage.stage.requires if r not in results]
            if missing:
                yield "status", (name, f"skipped: needs {', '.join(missing)}")
                continue
            extra = ({"context": StageContext(held, products, None, None,
                                              rows if name == "stories" else None)}
                     if stage.takes_context else {})
            try:
                result = stage.analyze(articles, state=states.get(name), upstream=results,
                                       **extra)
            except Exception as exc:
                log.exception("stage %s failed", name)
                reason = f"failed: {describe_failure(exc)}"
                yield "status", (name, reason)
                yield "error", (scope, name, reason)
                continue
            results[name] = result
            yield "status", (name, "done")
        order_of = {a.id: r[0] for r, a in zip(ordered, articles, strict=True)}
        for kind, values in products.values.items():
            for article_id, data in values.items():
                if article_id in order_of and given.get(kind, {}).get(article_id) != data:
                    yield "product", (order_of[article_id], article_id, kind, data)
        for kind, items in _merged(results).items():
            for index, item in enumerate(items):
                item_id = str(item.get("id") or f"{kind}-{index}")
                yield "items", (scope, kind, item_id, json.dumps(item, ensure_ascii=False))


def _merged(results: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    from newstrace.pipeline import _merged as merged

    return merged(results)


def overall_status(statuses: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each stage's status over every scope: a failure anywhere is the stage's, as a
    failure stops the stage in a single-machine run; else "done" if it ran anywhere.

    >>> overall_status([("reuse", "done"), ("claims", "failed: X"), ("claims", "done")])
    {'reuse': 'done', 'claims': 'failed: X'}
    """
    out: dict[str, str] = {}
    for stage, status in statuses:
        known = out.get(stage)
        if known is None or (known == "done" and status != "done") or (
                known.startswith("skipped") and status.startswith("failed")):
            out[stage] = status
    return out
