"""Connected components by large-star / small-star: the same parts as newstrace.scopes."""

from __future__ import annotations

import random
from typing import Any

import pytest

pytest.importorskip("pyspark")

from newstrace.scopes import components as single_machine
from newstrace.spark.components import components


def _parts(spark: Any, edges: list[tuple[int, int]]) -> set[frozenset[int]]:
    frame = spark.createDataFrame(edges, "u long, v long")
    labels: dict[int, list[int]] = {}
    for row in components(frame).collect():
        labels.setdefault(row["label"], []).append(row["node"])
        assert row["label"] == min(labels[row["label"]] + [row["label"]])
    return {frozenset(nodes) for nodes in labels.values()}


def test_the_parts_of_a_random_graph_are_the_single_machines(spark: Any) -> None:
    rng = random.Random(7)
    edges = [(rng.randrange(60), rng.randrange(60)) for _ in range(45)]
    edges += [(100 + n, 101 + n) for n in range(12)]  # a long chain, backwards labels
    nodes = sorted({n for edge in edges for n in edge})
    expected = {frozenset(part) for part in single_machine(nodes, edges)}
    assert _parts(spark, edges) == expected


def test_no_edges_no_components(spark: Any) -> None:
    assert _parts(spark, []) == set()
