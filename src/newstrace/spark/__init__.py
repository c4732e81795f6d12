"""newstrace on Apache Spark: the single-machine analyses as a distributed batch job.

    python -m newstrace.spark data/*.warc.gz --out out/spark     # or: newstrace spark ...
    newstrace load out/spark --db newstrace.db                    # then report, serve

The job reads WARC, JSONL, text and HTML files (local paths, Hadoop URLs, or a
manifest of WARC paths such as CC-NEWS's ``warc.paths.gz``), one Spark task per
file, with newstrace's own readers and cleaners; computes the per-article products
in ``mapPartitions``; links articles (MinHash and SimHash band keys as joins, each
candidate pair verified by the reuse stage's own comparison; the story clustering
in one ordered task); forms scopes as the connected components of the links
(large-star/small-star over DataFrames); runs every stage's per-scope analysis in
tasks grouped by scope; and writes the Parquet tables of ``newstrace export``,
plus ``errors``, ``results``, ``sources`` and ``analyses``, and the stages' own
``products``, ``index_keys``, ``stage_rows`` and ``stage_state``, with which a loaded
store links the articles of a later ``newstrace analyze`` (docs/spark.md).

``pyspark`` is the optional extra ``newstrace[spark]``: it is imported only inside
the functions of this package that need it, so ``newstrace.spark.load`` (and the
rest of newstrace) works without it.
"""

from __future__ import annotations

__all__ = ["JobOptions", "load_tables", "run_job"]


def __getattr__(name: str) -> object:
    if name in ("JobOptions", "run_job"):
        from newstrace.spark import job

        return getattr(job, name)
    if name == "load_tables":
        from newstrace.spark.load import load_tables

        return load_tables
    raise AttributeError(name)
