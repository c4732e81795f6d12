"""The JSON Schema of ``report.json``, assembled from the base schema and stage fragments.

    >>> schema = report_schema()
    >>> sorted(schema["$defs"])[:3]
    ['anomalies', 'article', 'citations']
    >>> schema["properties"]["graphs"]["items"]
    {'$ref': '#/$defs/graphs'}

The base schema (``report.schema.json``) fixes the top level, articles, errors
and anomalies; the report keys come from the stage registry, and each analysis
package ships ``schema.json`` mapping the keys it fills to the schema of one
item, so the owner of a stage owns its format and adding a stage edits no base.
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from newstrace.registry import REPORT_KEYS, SCHEMA_PACKAGES

#: items whose schema the base fixes (stage fragments may not change them)
_BASE_ITEMS = frozenset({"anomalies"})

#: Packages whose ``schema.json`` describes report items, by the keys they fill.
FRAGMENT_PACKAGES = SCHEMA_PACKAGES


def _load(package: str, name: str) -> dict[str, Any]:
    # found without importing the package: a stage whose code cannot load (a missing
    # dependency) still has its format described, and the report of the others validates
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"no package {package}")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return json.loads((folder / name).read_text(encoding="utf-8"))


@cache
def report_schema() -> dict[str, Any]:
    """The full report schema (draft 2020-12): the base, plus one array per report key
    of the stage registry (:data:`~newstrace.registry.REPORT_KEYS`), its items described
    by the stage packages' fragments."""
    schema = _load("newstrace.report", "report.schema.json")
    defs = schema["$defs"]
    for package in FRAGMENT_PACKAGES:
        for key, item_schema in _load(package, "schema.json").items():
            if key in defs:
                # two packages describing one key: merge their properties (provenance
                # adds origins to claims); the first one's required list stays. The
                # base's own items (anomalies) are fixed by the base.
                if key not in _BASE_ITEMS:
                    defs[key].setdefault("properties", {}).update(
                        item_schema.get("properties", {}))
            else:
                defs[key] = item_schema
    errors = schema["required"].index("errors")
    for key in REPORT_KEYS:  # in report order, before "errors"
        defs.setdefault(key, {"type": "object"})
        schema["properties"][key] = {"type": "array", "items": {"$ref": f"#/$defs/{key}"}}
        if key not in schema["required"]:
            schema["required"].insert(errors, key)
            errors += 1
    return schema


def graph_vocabulary() -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The provenance graph's edge kinds (with what each means, in legend order) and
    node kinds, as the schema of the report's ``graphs`` items declares them.

    >>> edges, nodes = graph_vocabulary()
    >>> edges[0][0], "claim" in nodes
    ('published', True)
    """
    graph = report_schema()["$defs"]["graphs"].get("properties", {})
    kinds = graph.get("edges", {}).get("items", {}).get("properties", {}).get("kind", {})
    node_kind = graph.get("nodes", {}).get("items", {}).get("properties", {}).get("kind", {})
    return (tuple((k["const"], k.get("description", "")) for k in kinds.get("oneOf", [])),
            tuple(node_kind.get("enum", [])))


def validate_report(report: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` if ``report`` does not follow the schema."""
    jsonschema.Draft202012Validator(report_schema()).validate(report)
