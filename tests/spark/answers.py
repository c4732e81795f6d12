"""What a Spark store and a single machine's must hold alike: each item's stable fields,
and stored values (products, clusterer rows) within the tolerances of floats computed
twice."""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np

#: the kinds of stored items compared
KINDS = ("reuse", "stories", "entities", "claims", "citations", "anomalies", "graphs")


def stable(kind: str, item: dict[str, Any]) -> Any:
    """What must be the same on both sides (no float to the last bit)."""
    if kind == "reuse":
        return (item["id"], item["original"], item["copy"], item["kind"],
                round(item["score"], 2), len(item["aligned"]))
    if kind == "stories":
        return (item["id"], tuple(item["article_ids"]),
                tuple((e["id"], e["date"], tuple(e["article_ids"])) for e in item["events"]))
    if kind == "claims":
        return (item["id"], item["text"], tuple(sorted(item["article_ids"])),
                tuple(sorted((o["kind"], o["id"]) for o in item.get("origins") or [])),
                item.get("independent_sources"),
                (item.get("first_reporter") or {}).get("id"))
    if kind == "entities":
        return (item["id"], item["name"], item["type"], tuple(item["article_ids"]))
    if kind == "citations":
        return (item["id"], item["article_id"], item["cited"], item.get("claim_id"))
    if kind == "anomalies":
        return (item["id"], item["kind"], tuple(item["article_ids"]))
    return item["id"]


#: base64 vectors in products and rows, and their element types
VECTORS = {"vector": np.float32, "vector_sum": np.float32, "vectors": np.float16}
#: sentence vectors a reuse entry holds (rows of the encoder's dimension)
DIM = 512


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON values differ beyond the tolerances of a vector computed twice:
    floats (scores, term weights) within 1e-5 relative (1e-6 absolute), base64 vectors
    (:data:`VECTORS`) within 1e-3, and a reuse entry's sentence vectors on the rows both
    hold. The sentence encoder's results depend on the BLAS kernel and on how sentences
    are batched (and whether a worker had them cached): two runs of the job, or the job
    and a single machine, embed them in batches of their own."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))}"]
        out: list[str] = []
        for key in a:
            if key in VECTORS and isinstance(a[key], str) and isinstance(b[key], str):
                out.extend(_vectordifferences(key, a[key], b[key], f"{path}.{key}"))
            else:
                out.extend(differences(a[key], b[key], f"{path}.{key}"))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        return [d for n, (x, y) in enumerate(zip(a, b, strict=True))
                for d in differences(x, y, f"{path}[{n}]")]
    if isinstance(a, float) or isinstance(b, float):
        close = isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(
            a, b, rel_tol=1e-5, abs_tol=1e-6)
        return [] if close else [f"{path}: {a!r} != {b!r}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def _vectordifferences(key: str, a: str, b: str, path: str) -> list[str]:
    va = np.frombuffer(base64.b64decode(a), dtype=VECTORS[key]).astype(np.float32)
    vb = np.frombuffer(base64.b64decode(b), dtype=VECTORS[key]).astype(np.float32)
    if key == "vectors":  # an entry's sentence vectors: the rows both hold
        va, vb = va.reshape(-1, DIM), vb.reshape(-1, DIM)
        rows = min(len(va), len(vb))
        if rows == 0 and len(va) + len(vb):
            return [f"{path}: no sentence vectors on one side"]
        va, vb = va[:rows], vb[:rows]
    if va.shape != vb.shape:
        return [f"{path}: shapes {va.shape} != {vb.shape}"]
    worst = float(np.max(np.abs(va - vb))) if va.size else 0.0
    return [] if worst <= 1e-3 else [f"{path}: differs by {worst:.2e}"]
