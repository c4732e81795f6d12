"""Connected components of the link graph, by large-star / small-star over DataFrames.

Kiveris et al., "Connected Components in MapReduce and Beyond" (SoCC 2014): nodes are
numbers (here the articles' ingest order); each round, *large-star* links every
neighbour of a node that is larger than it to the smallest node of its
neighbourhood, and *small-star* links a node and its smaller neighbours to the
smallest of those. The edge set shrinks to one star a component, centred on its
smallest node, in O(log n) rounds; the label of a node is its star's centre.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

#: rounds after which the job gives up (a component of 2**60 nodes needs fewer)
MAX_ROUNDS = 60


def _large_star(edges: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    both = edges.select("u", "v").unionByName(edges.select(F.col("v").alias("u"),
                                                           F.col("u").alias("v")))
    smallest = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
    return (both.join(smallest, "u").where(F.col("v") > F.col("u"))
            .select(F.col("v").alias("u"), F.col("m").alias("v")).distinct())


def _small_star(edges: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    oriented = edges.select(F.greatest("u", "v").alias("u"), F.least("u", "v").alias("v"))
    smallest = oriented.groupBy("u").agg(F.min("v").alias("m"))
    joined = oriented.join(smallest, "u")
    leaves = joined.where(F.col("v") != F.col("m")).select(F.col("v").alias("u"),
                                                           F.col("m").alias("v"))
    centres = smallest.select("u", F.col("m").alias("v"))
    return leaves.unionByName(centres).distinct()


def components(edges: DataFrame) -> DataFrame:
    """``node`` -> ``label`` (the smallest node of its component) for every node of
    ``edges`` (columns ``u``, ``v``: numbers); a node in no edge is left out."""
    from pyspark.sql import functions as F

    current = (edges.where(F.col("u") != F.col("v"))
               .select(F.least("u", "v").alias("u"), F.greatest("u", "v").alias("v"))
               .distinct().localCheckpoint())
    for _ in range(MAX_ROUNDS):
        step = _small_star(_large_star(current)).localCheckpoint()
        same = step.count() == current.count() and step.exceptAll(current).isEmpty()
        current = step
        if same:
            break
    else:  # pragma: no cover - bounded by the algorithm
        raise RuntimeError("connected components did not converge")
    # a star: (leaf, centre) with centre < leaf
    leaves = current.select(F.col("u").alias("node"), F.col("v").alias("label"))
    centres = current.select(F.col("v").alias("node"), F.col("v").alias("label"))
    return leaves.unionByName(centres).groupBy("node").agg(F.min("label").alias("label"))
