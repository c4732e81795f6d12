"""The Spark job: inputs -> articles -> products -> links -> scopes -> analyses -> Parquet.

    python -m newstrace.spark data/seeds.warc.gz --out out/spark --master 'local[2]'

Every step keeps the single machine's order: files in input order, records in file
order, articles numbered by first appearance (``order``, the export's
``ingest_order``), so the same input gives the same tables.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from newstrace.spark import analysis, articles, inputs, linking, tables
from newstrace.spark.components import components

if TYPE_CHECKING:
    from pyspark import RDD
    from pyspark.sql import SparkSession


@dataclass
class JobOptions:
    """What to read, where to write, and how to reach Spark."""

    inputs: list[str]
    out: str
    #: a Spark master (``local[2]``, ``yarn``...); None: spark-submit's, else ``local[*]``
    master: str | None = None
    #: where a manifest's relative lines point (``s3a://commoncrawl/`` for CC-NEWS);
    #: None: the manifest's own folder
    manifest_prefix: str | None = None
    app_name: str = "newstrace"
    conf: dict[str, str] = field(default_factory=dict)


@dataclass
class JobSummary:
    """What a run read and wrote."""

    out: str
    files: int = 0
    articles: int = 0
    errors: int = 0
    scopes: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    analyses: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"out": self.out, "files": self.files, "articles": self.articles,
                "errors": self.errors, "scopes": self.scopes, "rows": self.rows,
                "analyses": self.analyses}


def session(options: JobOptions | None = None, *, master: str | None = None,
            app_name: str | None = None, partitions: int | None = None,
            ui: bool | None = None, retained: int | None = None,
            driver_memory: str | None = None, conf: Mapping[str, str] | None = None,
            log_level: str | None = None) -> SparkSession:
    """The Spark session: spark-submit's when launched by it, else a local one whose
    Python workers run this interpreter.

    The one builder of the job, its tests and its benchmark. ``options`` gives the
    master, app name and settings; the keywords add to them or override them (left at
    None, Spark's default):

    - ``master``, ``app_name``: as in :class:`JobOptions`;
    - ``partitions``: ``spark.sql.shuffle.partitions`` and ``spark.default.parallelism``
      (local mode: the cores);
    - ``ui``: ``spark.ui.enabled``;
    - ``retained``: ``spark.ui.retainedStages`` and ``spark.ui.retainedJobs`` (the
      status store keeps 1,000 stages by default; a metered run has hundreds);
    - ``driver_memory``: ``spark.driver.memory`` (only heeded when this starts the JVM);
    - ``conf``: any other settings, after ``options.conf`` (so they win);
    - ``log_level``: the context's log level (``"ERROR"``...).
    """
    from pyspark.sql import SparkSession

    options = options or JobOptions([], "")
    settings: dict[str, str] = {}
    if partitions is not None:
        settings["spark.sql.shuffle.partitions"] = str(partitions)
        settings["spark.default.parallelism"] = str(partitions)
    if ui is not None:
        settings["spark.ui.enabled"] = "true" if ui else "false"
    if driver_memory is not None:
        settings["spark.driver.memory"] = driver_memory
    if retained is not None:
        settings["spark.ui.retainedStages"] = str(retained)
        settings["spark.ui.retainedJobs"] = str(retained)
    settings.update(options.conf)
    settings.update(conf or {})

    builder = SparkSession.builder.appName(app_name or options.app_name)
    launched = "PYSPARK_GATEWAY_PORT" in os.environ  # by spark-submit or pyspark
    master = master or options.master or (None if launched else "local[*]")
    if master:
        builder = builder.master(master)
    if not launched and master and master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    if log_level is not None:
        spark.sparkContext.setLogLevel(log_level)
    return spark


def run_job(options: JobOptions, spark: SparkSession | None = None) -> JobSummary:
    """Run the whole job; the tables replace those of an earlier run in ``options.out``."""
    spark = spark or session(options)
    return _Job(spark, options).run()


class _Job:
    def __init__(self, spark: SparkSession, options: JobOptions) -> None:
        self.spark = spark
        self.sc = spark.sparkContext
        self.options = options
        self.out = options.out.rstrip("/") or "/"
        #: partitions of every shuffle the job makes itself (the cores, by default)
        self.parts = max(1, self.sc.defaultParallelism)

    # -- inputs ---------------------------------------------------------------------------------
    def _list_url(self, url: str) -> list[str]:
        """The files under a Hadoop URL (itself if a file), hidden ones left out, sorted."""
        jvm = self.sc._jvm
        path = jvm.org.apache.hadoop.fs.Path(url)  # type: ignore[union-attr]
        fs = path.getFileSystem(self.sc._jsc.hadoopConfiguration())  # type: ignore[union-attr]
        if fs.getFileStatus(path).isFile():
            return [url]
        root = fs.makeQualified(path).toString().rstrip("/") + "/"
        found = fs.listFiles(path, True)
        names = []
        while found.hasNext():
            qualified = found.next().getPath().toString()
            rest = qualified[len(root):] if qualified.startswith(root) else qualified
            if any(part.startswith((".", "_")) for part in rest.split("/")):
                continue
            names.append(url.rstrip("/") + "/" + rest)
        return sorted(names)

    def _read_lines(self, url: str) -> list[str]:
        name = url if inputs.has_scheme(url) else os.path.abspath(url)
        return [str(line) for line in self.sc.textFile(name, 1).collect()]

    def _raw(self, files: Sequence[inputs.InputFile]) -> RDD[tuple[Any, ...]]:
        local = [(f.index, f.name, None) for f in files if f.local]
        parts: list[RDD[Any]] = []
        if local:
            parts.append(self.sc.parallelize(local, len(local)))
        for f in files:
            if not f.local:
                parts.append(self.sc.binaryFiles(f.name, 1)
                             .map(lambda kv, i=f.index, n=f.name: (i, n, bytes(kv[1]))))
        raw = self.sc.union(parts) if parts else self.sc.parallelize([], 1)
        return raw.mapPartitions(articles.read_and_clean)

    # -- the run --------------------------------------------------------------------------------
    def run(self) -> JobSummary:
        from pyspark import StorageLevel

        keep = StorageLevel.MEMORY_AND_DISK
        files, listing = inputs.expand(self.options.inputs, list_url=self._list_url,
                                       read_lines=self._read_lines,
                                       prefix=self.options.manifest_prefix)
        read = self._raw(files).persist(keep)
        errors = read.filter(lambda r: r[0] == articles.ERROR).map(lambda r: r[3:6])
        found = read.filter(lambda r: r[0] == articles.ARTICLE)
        # one article per id, the first met (as the store keeps the first), numbered
        first = (found.map(lambda r: (json.loads(r[4])["id"], ((r[1], r[2]), r[4])))
                 .reduceByKey(min, self.parts).values().sortByKey(True, self.parts))
        ordered = first.values().zipWithIndex().map(lambda p: (p[1], p[0])).persist(keep)
        product = ordered.mapPartitions(articles.products).persist(keep)
        count = product.count()
        edges = self._reuse(product).persist(keep)
        story_rows = (product.map(lambda p: (p[0], p[2] if p[6] is None else "", p[6]))
                      .repartition(1).mapPartitions(linking.cluster_stories).persist(keep))
        labels = self._scopes(product, edges, story_rows)
        stories_state = _stories_state(story_rows)
        outcome = self._analyse(product, edges, story_rows, labels, stories_state
                                ).persist(keep)
        summary = JobSummary(self.options.out, files=len(files), articles=count)
        summary.analyses = analysis.overall_status(
            outcome.filter(lambda r: r[0] == "status").map(lambda r: r[1]).collect())
        all_errors = (self.sc.parallelize([(e.source, e.stage, e.reason) for e in listing], 1)
                      .union(errors)
                      .union(product.flatMap(lambda p: p[9]))
                      .union(outcome.filter(lambda r: r[0] == "error").map(lambda r: r[1]))
                      .coalesce(self.parts).persist(keep))
        summary.errors = all_errors.count()
        summary.scopes = outcome.filter(lambda r: r[0] == "member").map(
            lambda r: r[1][0]).distinct().count()
        summary.rows = {"articles": count, **self._write(found, product, outcome, all_errors,
                                                        summary.analyses, story_rows,
                                                        {tables.REUSE_STAGE: count,
                                                         tables.STORIES_STAGE: stories_state}),
                        "errors": summary.errors}
        for rdd in (read, ordered, product, edges, story_rows, outcome, all_errors):
            rdd.unpersist()
        return summary

    def _reuse(self, product: RDD[tuple[Any, ...]]) -> RDD[tuple[int, int, str]]:
        """The reuse edges ``(i, j, edge JSON)``: candidates from the keys, verified."""
        keys = self.spark.createDataFrame(
            product.flatMap(lambda p: [(k, p[0]) for k in p[4] or []]), "key string, order long")
        found, near = linking.candidate_pairs(keys)
        vectors = product.filter(lambda p: p[5] is not None).map(lambda p: (p[0], (p[1], p[5])))
        n = self.parts
        ranked = (near.rdd.map(lambda r: (r["i"], r["j"])).join(vectors, n)
                  .map(lambda kv: (kv[1][0], (kv[0], kv[1][1][0], kv[1][1][1])))
                  .groupByKey(n).join(vectors, n)
                  .map(lambda kv: (kv[0], (kv[1][1][1], list(kv[1][0]))))
                  .mapPartitions(linking.nearest))
        candidates = found.rdd.map(lambda r: (r["i"], r["j"], r["stage"])).union(ranked)
        entries = product.filter(lambda p: p[3] is not None).map(lambda p: (p[0], (p[3], p[2])))
        pairs = (candidates.map(lambda c: (c[0], (c[1], c[2]))).join(entries, n)
                 .map(lambda kv: (kv[1][0][0], (kv[0], kv[1][0][1], *kv[1][1])))
                 .join(entries, n)
                 .map(lambda kv: (kv[1][0][0], kv[0], kv[1][0][1], kv[1][0][2], kv[1][0][3],
                                  *kv[1][1])))
        return pairs.mapPartitions(linking.verify)

    def _scopes(self, product: RDD[tuple[Any, ...]], edges: RDD[tuple[int, int, str]],
                story_rows: RDD[tuple[str, str, str]]) -> RDD[tuple[int, int]]:
        """``(order, label)`` of every article: its component of reuse and story links."""
        from pyspark.sql import functions as F

        ids = self.spark.createDataFrame(product.map(lambda p: (p[1], p[0])),
                                         "article_id string, order long")
        stories = self.spark.createDataFrame(story_rows.mapPartitions(linking.story_members),
                                             "article_id string, story string")
        members = stories.where(F.col("story") != "").join(ids, "article_id")
        heads = members.groupBy("story").agg(F.min("order").alias("u"))
        story_links = members.join(heads, "story").select("u", F.col("order").alias("v"))
        reuse_links = self.spark.createDataFrame(edges.map(lambda e: (e[0], e[1])),
                                                 "u long, v long")
        labels = components(story_links.unionByName(reuse_links))
        every = ids.join(labels, ids["order"] == labels["node"], "left").select(
            "order", F.coalesce("label", "order").alias("label"))
        return every.rdd.map(lambda r: (r["order"], r["label"]))

    def _analyse(self, product: RDD[tuple[Any, ...]], edges: RDD[tuple[int, int, str]],
                 story_rows: RDD[tuple[str, str, str]], labels: RDD[tuple[int, int]],
                 stories_state: dict[str, Any]) -> RDD[tuple[str, Any]]:
        """Every scope's analysis, in tasks grouped by scope (the component's label)."""
        n = self.parts
        labelled = product.map(lambda p: (p[0], p)).join(labels, n).values()  # (product, label)
        scope_articles = labelled.map(lambda pl: (pl[1], (pl[0][0], pl[0][2], pl[0][7],
                                                          pl[0][6])))
        scope_edges = (edges.map(lambda e: (e[0], e[2])).join(labels, n)
                       .map(lambda kv: (kv[1][1], kv[1][0])))
        label_of = labelled.map(lambda pl: (pl[0][1], pl[1]))  # article id -> label
        homed = (story_rows.filter(lambda r: r[0] != "").map(lambda r: (r[0], (r[1], r[2])))
                 .join(label_of, n).map(lambda kv: (kv[1][1], kv[1][0])))
        frequencies = story_rows.filter(lambda r: r[1].startswith("w:")).map(
            lambda r: (r[1], r[2]))
        wanted = labelled.flatMap(lambda pl: [(f"w:{t}", pl[1]) for t in pl[0][8]]).distinct(n)
        terms = wanted.join(frequencies, n).map(lambda kv: (kv[1][0], (kv[0], kv[1][1])))
        grouped = scope_articles.groupWith(scope_edges, homed.union(terms)).coalesce(n)
        return grouped.mapValues(
            lambda g: (list(g[0]), list(g[1]), list(g[2]))).mapPartitions(
            lambda part: analysis.analyse_scopes(part, stories_state))

    # -- output ---------------------------------------------------------------------------------
    def _write(self, found: RDD[tuple[Any, ...]], product: RDD[tuple[Any, ...]],
               outcome: RDD[tuple[str, Any]], all_errors: RDD[tuple[str, str, str]],
               status: dict[str, str], story_rows: RDD[tuple[str, str, str]],
               linked: dict[str, Any]) -> dict[str, int]:
        from newstrace.export.parquet import SCHEMAS

        rows: dict[str, int] = {}

        def write(table: str, keyed: RDD[tuple[Any, dict[str, Any]]]) -> None:
            tables.write_table(self.spark, keyed, table, self.out, self.parts)

        members = outcome.filter(lambda r: r[0] == "member").map(
            lambda r: (r[1][1], r[1][0]))  # order -> scope
        write("articles", product.map(lambda p: (p[0], p[2])).leftOuterJoin(members, self.parts)
              .map(lambda kv: ((kv[0],), _article_row(kv[1][0], kv[0], kv[1][1]))))
        items = outcome.filter(lambda r: r[0] == "items").map(lambda r: r[1]).persist()
        export_rows = items.flatMap(
            lambda i: tables.item_rows(i[0], i[1], i[2], json.loads(i[3]))).persist()
        rows.update(export_rows.map(lambda r: r[0]).countByValue())
        for table in SCHEMAS:
            if table != "articles":
                write(table, export_rows.filter(lambda r, t=table: r[0] == t)
                      .map(lambda r: (r[1], r[2])))
        write("results", items.map(lambda i: ((i[0], i[1], i[2]), {
            "scope": i[0], "kind": i[1], "item_id": i[2], "data": i[3]})))
        write("errors", all_errors.map(lambda e: (tuple(e), {
            "source": e[0], "stage": e[1], "reason": e[2]})))
        write("sources", found.map(lambda r: ((r[1], r[2]), {
            "source": json.loads(r[4])["source"], "raw_sha": r[3],
            "article_id": json.loads(r[4])["id"]})))
        write("analyses", self.sc.parallelize(
            [((n,), {"stage": stage, "status": state})
             for n, (stage, state) in enumerate(status.items())], 1))
        self._write_linking(write, product, outcome, story_rows, linked)
        items.unpersist()
        export_rows.unpersist()
        return {table: int(rows.get(table, 0)) for table in SCHEMAS if table != "articles"}

    def _write_linking(self, write: Any, product: RDD[tuple[Any, ...]],
                       outcome: RDD[tuple[str, Any]], story_rows: RDD[tuple[str, str, str]],
                       linked: dict[str, Any]) -> None:
        """What the stages keep in a store besides results (``products``, ``index_keys``,
        ``stage_rows``, ``stage_state``), so that a loaded store links later articles.
        ``linked``: the articles the reuse index numbered, and the clusterer's state."""
        from newstrace.reuse import tables_state

        reuse, stories = tables.REUSE_STAGE, tables.STORIES_STAGE
        # the products made before linking, and those the scopes' analyses kept (which
        # replace one of the same kind, as a store's later save would)
        made = (product.flatMap(articles.product_rows).map(lambda r: (0, r))
                .union(outcome.filter(lambda r: r[0] == "product").map(lambda r: (1, r[1]))))
        write("products", made.map(lambda tr: ((tr[1][0], tr[1][2]), tr))
              .reduceByKey(max, self.parts)
              .mapValues(lambda tr: {"article_id": tr[1][1], "kind": tr[1][2],
                                     "data": tr[1][3]}))
        write("index_keys", product.flatMap(lambda p: [
            ((p[0], n), {"stage": reuse, "key": key, "member": p[1]})
            for n, key in enumerate(p[4] or [])]))
        write("stage_rows", story_rows.filter(lambda r: r[1] != linking.STATE_KEY).map(
            lambda r: ((r[1],), {"stage": stories, "key": r[1], "data": r[2]})))
        # every article is numbered (its entry's arrival number, ``order``): the next
        # one a store indexes comes after them all
        states = {reuse: tables_state(linked[reuse]), stories: linked[stories]}
        write("stage_state", self.sc.parallelize(
            [((stage,), {"stage": stage, "data": json.dumps(state)})
             for stage, state in sorted(states.items())], 1))


def _stories_state(story_rows: RDD[tuple[str, str, str]]) -> dict[str, Any]:
    """The story clusterer's state, from its rows (:func:`linking.cluster_stories`)."""
    found = story_rows.filter(lambda r: r[1] == linking.STATE_KEY).map(lambda r: r[2]).collect()
    if found:
        return dict(json.loads(found[0]))
    from newstrace.stories.clusterer import ROWS_VERSION

    return {"version": ROWS_VERSION, "docs": [0, 0]}  # no article: an empty clusterer's


def _article_row(data: str, order: int, scope: str | None) -> dict[str, Any]:
    from newstrace.export.parquet import _article_row as row
    from newstrace.records import Article

    return row(Article.from_dict(json.loads(data)), order, scope)


# -- command line -------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """``python -m newstrace.spark INPUT... --out DIR``: run the job, print its summary."""
    parser = argparse.ArgumentParser(prog="python -m newstrace.spark",
                                     description="newstrace's analyses as a Spark job")
    parser.add_argument("inputs", nargs="+", help="files, folders, Hadoop URLs, or "
                        "manifests of WARC paths (*.paths, *.paths.gz)")
    parser.add_argument("--out", required=True, help="folder (local or Hadoop URL) for "
                        "the Parquet tables")
    parser.add_argument("--master", help="Spark master (default: spark-submit's, else "
                        "local[*])")
    parser.add_argument("--manifest-prefix", help="where relative manifest lines point "
                        "(s3a://commoncrawl/ for CC-NEWS; default: the manifest's folder)")
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                        help="a Spark setting (repeatable)")
    args = parser.parse_args(argv)
    conf = dict(item.split("=", 1) for item in args.conf if "=" in item)
    summary = run_job(JobOptions(list(args.inputs), args.out, args.master,
                                 args.manifest_prefix, conf=conf))
    print(json.dumps(summary.to_dict(), indent=2))
    return 0 if summary.articles else 4


__all__ = ["JobOptions", "JobSummary", "main", "run_job", "session"]
