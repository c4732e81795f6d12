"""A store loaded from the Spark job goes on like the single machine's (issue 17).

Seeds 000, 001 and 002 go through the Spark job and ``newstrace load`` into a SQLite
store; then the pipeline analyses seed 004 on that store. The answer must be the single
machine's analysis of all four seeds in one store: the same reuse edges, stories and
events, entities, claims with their origins and independent-source counts, citations
and anomalies (their stable fields, as ``test_job.py`` compares them), and 004 must be
linked to the loaded articles (its story and claims hold them). That needs the stages'
own tables in the loaded store: the per-article products, the reuse index's keys, the
story clusterer's rows and both stages' states, which must be the single machine's too.

Tolerances, and why: floats (scores, term weights, vector sums) are compared within
1e-5 relative (1e-6 absolute), vectors within 1e-3: the sentence encoder's results depend
on the BLAS kernel and on how sentences are batched, and the job embeds them in its own
tasks' batches. A reuse entry's sentence vectors are compared on the rows both stores
hold: the single machine keeps every sentence it embedded to align an article, the job
the lead sentences only (the rest are embedded when a later analysis first aligns the
article, as they would be for any article not aligned yet).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pytest

pytest.importorskip("pyspark")

from sqlalchemy import select

from newstrace.pipeline import analyze, ingest
from newstrace.spark.job import JobOptions, run_job
from newstrace.spark.load import LOAD_STATE, load_tables
from newstrace.spark.tables import REUSE_STAGE, STORIES_STAGE
from newstrace.store import Store
from newstrace.store.schema import (
    article_products,
    article_scopes,
    articles,
    index_keys,
    ingest_errors,
    result_articles,
    results,
    sources,
    stage_rows,
    stage_state,
)
from tests.conftest import SEED_000, SEED_001, SEED_002, SEED_004
from tests.spark.answers import KINDS, differences, stable
from tests.spark.warcs import OTHER_TEXT, seeds_warc

#: the linking stages, whose tables the job writes and the load brings in
LINKING = ("reuse", "stories")


@pytest.fixture(scope="module")
def seeds(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The first three seeds in one WARC file (the Spark job's input), and seed 004 as
    the file a later ``newstrace analyze`` is given."""
    folder = tmp_path_factory.mktemp("first-seeds")
    return {"first": seeds_warc(seeds_dir, folder / "first.warc.gz",
                                [SEED_000, SEED_001, SEED_002]),
            "late": seeds_dir / SEED_004}


@pytest.fixture(scope="module")
def tables(spark: Any, seeds: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
           ) -> Path:
    out = tmp_path_factory.mktemp("first-spark") / "tables"
    summary = run_job(JobOptions([str(seeds["first"])], str(out)), spark)
    assert summary.articles == 3 and set(summary.analyses.values()) == {"done"}
    return out


@pytest.fixture(scope="module")
def single(single_store: Callable[[list[str], str], Store], seeds: dict[str, Path]) -> Store:
    """The single machine's store of the four seeds, analysed in one run."""
    return single_store([str(seeds["first"]), str(seeds["late"])], "single-four")


def _analyse(store: Store, path: Path) -> None:
    """``newstrace analyze PATH --db ...`` on ``store``: ingest, then analyse."""
    summary = ingest([str(path)], store)
    analyze(summary.article_ids, store, errors=summary.errors)


@pytest.fixture(scope="module")
def continued(tables: Path, seeds: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[dict[str, Any]]:
    """The job's tables loaded into a new store, then seed 004 analysed on it."""
    db = tmp_path_factory.mktemp("continued") / "continued.db"
    with Store.open(str(db)) as store:
        loaded = load_tables(tables, store)
        _analyse(store, seeds["late"])
        yield {"store": store, "loaded": loaded}


def test_the_job_writes_the_tables_of_every_linking_stage() -> None:
    """A linking stage the job does not know would be missing from a loaded store."""
    from newstrace.registry import STAGES

    assert {stage.name for stage in STAGES if stage.link} == {REUSE_STAGE, STORIES_STAGE}
    assert set(LINKING) == {REUSE_STAGE, STORIES_STAGE}


# -- the answer ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_analysing_new_articles_on_a_loaded_store_gives_the_single_machines_answer(
        kind: str, continued: dict[str, Any], single: Store) -> None:
    mine = sorted(map(repr, (stable(kind, i) for i in continued["store"].items(kind))))
    theirs = sorted(map(repr, (stable(kind, i) for i in single.items(kind))))
    assert mine == theirs
    assert theirs, f"the seeds give {kind}"


def test_the_new_article_is_linked_to_the_loaded_ones(continued: dict[str, Any],
                                                      seeds: dict[str, Path]) -> None:
    """Not the same answer by chance: 004 joins the drone story of 000 and 001, and its
    claims are grouped with theirs (the origin of "no final decision" is 000)."""
    store = continued["store"]
    assert continued["loaded"]["indexes"] == "loaded"
    found = list(store.iter_articles())  # in ingest order: the loaded ones, then 004
    assert found[-1].source == str(seeds["late"])
    ids = dict(zip((SEED_000, SEED_001, SEED_002, SEED_004), (a.id for a in found),
                   strict=True))
    drone = {ids[SEED_000], ids[SEED_001], ids[SEED_004]}
    assert any(drone <= set(s["article_ids"]) for s in store.items("stories"))
    (decision,) = [c for c in store.items("claims") if "final decision" in c["text"]
                   and drone <= set(c["article_ids"])]
    assert [o["id"] for o in decision["origins"]] == [ids[SEED_000]]
    assert decision["independent_sources"] == 1
    scopes = store.scopes_of(drone)
    assert len(set(scopes.values())) == 1 and set(scopes) == drone


def test_the_same_articles_scopes_status_and_stage_states(continued: dict[str, Any],
                                                          single: Store) -> None:
    store = continued["store"]

    def listed(s: Store) -> list[tuple[Any, ...]]:
        found = list(s.iter_articles())
        scopes = s.scopes_of(a.id for a in found)
        return [(a.id, a.title, a.outlet, a.published, scopes.get(a.id)) for a in found]

    assert listed(store) == listed(single)
    assert store.load_state("analyses") == single.load_state("analyses")
    for stage in LINKING:
        assert store.load_state(stage) == single.load_state(stage), stage


def test_the_stage_tables_are_the_single_machines(continued: dict[str, Any],
                                                  single: Store) -> None:
    """Every product, index key and clusterer row the single machine keeps, the loaded
    store keeps (within the tolerances of the module)."""
    store = continued["store"]
    assert _keys(store) == _keys(single)
    assert _keys(store)  # the reuse index is not empty
    mine, theirs = _products(store), _products(single)
    assert sorted(mine) == sorted(theirs)
    kinds = {kind for _, kind in mine}
    assert kinds >= {"reuse.entry/1", "stories.features/1"}
    assert any(kind.startswith("claims.extract/") for kind in kinds)  # the claims parse
    for key in theirs:
        assert differences(mine[key], theirs[key]) == [], key
    mine, theirs = _rows(store), _rows(single)
    assert sorted(mine) == sorted(theirs)
    assert {key[:2] for _, key in mine} == {"a:", "e:", "s:", "i:", "w:", "n:"}
    for key in theirs:
        assert differences(mine[key], theirs[key]) == [], key


def test_a_copy_of_a_loaded_article_is_found_by_the_loaded_reuse_index(
        tables: Path, seeds_dir: Path, tmp_path: Path) -> None:
    """004 copies none of the seeds: the reuse index's part is shown by a near duplicate
    of 000 (two words changed), which a later analysis finds through the loaded keys and
    entries (which of the two is the original is the direction rules' call, and not
    what this checks)."""
    text = (seeds_dir / SEED_000).read_text()
    assert "three sources" in text and "drones" in text
    copy = tmp_path / "copy.txt"
    copy.write_text(text.replace("three sources", "two sources", 1)
                    .replace("drones", "unmanned aircraft", 1))
    with Store.open(str(tmp_path / "copy.db")) as store:
        load_tables(tables, store)
        original = next(store.iter_articles())  # 000, the first ingested
        _analyse(store, copy)
        (new,) = [a for a in store.iter_articles() if a.source == str(copy)]
        edges = store.items("reuse")
    assert [e["kind"] for e in edges
            if {e["original"], e["copy"]} == {original.id, new.id}] == ["near-duplicate"]


# -- loading twice ------------------------------------------------------------------------------
def test_loading_a_folder_twice_is_loading_it_once(tables: Path, tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "twice.db")) as store:
        first = load_tables(tables, store)
        once = _snapshot(store)
        second = load_tables(tables, store)
        assert _snapshot(store) == once
    assert first == {**second, "errors": first["errors"]} and second["errors"] == 0
    assert first["indexes"] == "loaded"
    written = {t: ds.dataset(tables / f"{t}.parquet", format="parquet").count_rows()
               for t in ("products", "index_keys", "stage_rows")}
    assert {t: first[t] for t in written} == written
    assert written["products"] >= 9  # an entry, features and a parse of each article
    # every table the load writes is in the comparison, and holds rows
    assert all(once[table] for table in ("articles", "sources", "results", "article_scopes",
                                         "article_products", "index_keys", "stage_rows"))
    assert {row[0] for row in once["stage_state"]} == {*LINKING, LOAD_STATE, "analyses"}


def test_a_store_analysed_since_the_load_keeps_its_stage_tables(
        tables: Path, seeds: dict[str, Path], tmp_path: Path) -> None:
    """Loading the folder again after an analysis on the store leaves the stages' tables
    as that analysis left them (the job's know nothing of its articles)."""
    with Store.open(str(tmp_path / "since.db")) as store:
        load_tables(tables, store)
        _analyse(store, seeds["late"])
        before = _snapshot(store)
        again = load_tables(tables, store)
        after = _snapshot(store)
    assert again["indexes"].startswith("skipped: the store was analysed after")
    for table in ("article_products", "index_keys", "stage_rows", "stage_state"):
        assert after[table] == before[table], table


def test_a_store_with_an_analysis_of_its_own_keeps_its_stage_tables(
        tables: Path, tmp_path: Path) -> None:
    """The job's tables are one run's structures: they are not merged into an analysis
    the job never saw. The articles and results are loaded all the same."""
    other = tmp_path / "budget.txt"
    other.write_text(OTHER_TEXT)
    with Store.open(str(tmp_path / "own.db")) as store:
        _analyse(store, other)
        before = _snapshot(store)
        loaded = load_tables(tables, store)
        after = _snapshot(store)
        assert store.count() == 4 and loaded["articles"] == 3
        assert loaded["indexes"].startswith("skipped: the store holds an analysis of its own")
        assert (loaded["products"], loaded["index_keys"], loaded["stage_rows"]) == (0, 0, 0)
    for table in ("index_keys", "stage_rows"):
        assert after[table] == before[table], table
    assert [r for r in after["stage_state"] if r[0] in LINKING] == [
        r for r in before["stage_state"] if r[0] in LINKING]


def test_a_folder_of_an_earlier_job_loads_without_stage_tables(tables: Path,
                                                                tmp_path: Path) -> None:
    """A folder written before the job wrote the stages' tables still loads."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree(tables, old)
    for table in ("products", "index_keys", "stage_rows", "stage_state"):
        shutil.rmtree(old / f"{table}.parquet")
    with Store.open(str(tmp_path / "old.db")) as store:
        loaded = load_tables(old, store)
        assert loaded["indexes"] == "not in the folder" and loaded["articles"] == 3
        assert all(store.load_state(stage) is None for stage in LINKING)


# -- helpers ------------------------------------------------------------------------------------
def _keys(store: Store) -> set[tuple[str, str, str]]:
    with store.engine.connect() as conn:
        return {tuple(r) for r in conn.execute(  # type: ignore[misc]
            select(index_keys.c.stage, index_keys.c.key, index_keys.c.member))}


def _products(store: Store) -> dict[tuple[str, str], Any]:
    with store.engine.connect() as conn:
        return {(r.article_id, r.kind): r.data for r in conn.execute(select(article_products))}


def _rows(store: Store) -> dict[tuple[str, str], Any]:
    with store.engine.connect() as conn:
        return {(r.stage, r.key): r.data for r in conn.execute(select(stage_rows))}


def _snapshot(store: Store) -> dict[str, list[Any]]:
    """What a load writes, table by table, in a fixed order; the clocks left out (when
    an article was ingested, an error recorded, a state saved) and the tokens that
    change with every write."""
    tables = {"articles": articles, "sources": sources, "results": results,
              "result_articles": result_articles, "article_scopes": article_scopes,
              "article_products": article_products, "index_keys": index_keys,
              "stage_rows": stage_rows, "stage_state": stage_state,
              "ingest_errors": ingest_errors}
    clocks = {"articles": {"ingested_at"}, "ingest_errors": {"id", "at"},
              "stage_state": {"updated_at"}}
    out: dict[str, list[Any]] = {}
    with store.engine.connect() as conn:
        for name, table in tables.items():
            columns = [c for c in table.c if c.name not in clocks.get(name, set())]
            found = [tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict | list)
                           else v for v in row)
                     for row in conn.execute(select(*columns))]
            if name == "stage_state":
                found = [r for r in found if not str(r[0]).startswith("store.generation")]
            out[name] = sorted(found, key=repr)
    return out
