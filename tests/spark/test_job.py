"""The Spark job in local mode: the single machine's answer, errors, reruns, manifests.

The seeds (and a corrupt WARC file) go through ``newstrace analyze`` and through the
Spark job plus ``newstrace load``; the two stores must hold the same reuse edges,
stories and events, entities, claims with their origins and independent-source
counts, citations and anomalies (compared on their stable fields).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")

import pyarrow.dataset as ds
from typer.testing import CliRunner

from newstrace.cli import app
from newstrace.export import SCHEMAS
from newstrace.report import validate_report
from newstrace.spark.job import JobOptions, run_job
from newstrace.spark.load import load_tables
from newstrace.spark.tables import JOB_SCHEMAS
from newstrace.store import Store
from tests.spark.answers import KINDS, differences
from tests.spark.answers import stable as _stable
from tests.spark.warcs import manifest

runner = CliRunner()

#: tables holding raw vectors (products, the clusterer's rows)
VECTOR_TABLES = ("products", "stage_rows")


def _table(out: Path, name: str) -> list[dict[str, Any]]:
    return ds.dataset(out / f"{name}.parquet", format="parquet").to_table().to_pylist()


@pytest.fixture(scope="module")
def inputs(warcs: dict[str, Path]) -> list[str]:
    return [str(warcs["seeds"]), str(warcs["corrupt"])]


@pytest.fixture(scope="module")
def single(single_store: Callable[[list[str], str], Store], inputs: list[str]) -> Store:
    """The single-machine pipeline's store of the same inputs."""
    return single_store(inputs, "single")


@pytest.fixture(scope="module")
def job(spark: Any, inputs: list[str], tmp_path_factory: pytest.TempPathFactory
        ) -> dict[str, Any]:
    """The Spark job's first run, and its output folder loaded into a store."""
    out = tmp_path_factory.mktemp("spark") / "tables"
    summary = run_job(JobOptions(inputs, str(out)), spark)
    db = str(tmp_path_factory.mktemp("loaded") / "loaded.db")
    with Store.open(db) as store:
        load_tables(out, store)
    return {"out": out, "summary": summary, "db": db}


@pytest.fixture
def loaded(job: dict[str, Any]) -> Iterator[Store]:
    with Store.open(job["db"]) as store:
        yield store


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_results_as_the_single_machine(kind: str, single: Store, loaded: Store
                                                ) -> None:
    mine = sorted(map(repr, (_stable(kind, i) for i in loaded.items(kind))))
    theirs = sorted(map(repr, (_stable(kind, i) for i in single.items(kind))))
    assert mine == theirs
    assert theirs, f"the seeds give {kind}"


def test_the_same_articles_scopes_and_status(single: Store, loaded: Store) -> None:
    def articles(store: Store) -> list[tuple[Any, ...]]:
        found = list(store.iter_articles())
        scopes = store.scopes_of(a.id for a in found)
        return [(a.id, a.title, a.outlet, a.published, scopes.get(a.id)) for a in found]

    assert articles(loaded) == articles(single)
    assert loaded.load_state("analyses") == single.load_state("analyses")
    assert set(loaded.load_state("analyses")["status"].values()) == {"done"}


def test_a_corrupt_record_is_an_error_not_a_failure(job: dict[str, Any], warcs: dict[str, Path],
                                                     single: Store) -> None:
    errors = _table(job["out"], "errors")
    corrupt = str(warcs["corrupt"])
    assert any(e["source"] == corrupt and "truncated WARC" in e["reason"] for e in errors)
    assert job["summary"].errors == len(errors)
    assert {(e.source, e.stage, e.reason) for e in single.errors(1000)} == {
        (e["source"], e["stage"], e["reason"]) for e in errors}
    assert set(job["summary"].analyses.values()) == {"done"}


def test_the_tables_have_the_export_schema(job: dict[str, Any]) -> None:
    for table, schema in {**SCHEMAS, **JOB_SCHEMAS}.items():
        written = ds.dataset(job["out"] / f"{table}.parquet", format="parquet").schema
        assert written.remove_metadata() == schema.remove_metadata(), table


def test_report_works_on_the_loaded_store(job: dict[str, Any], single: Store,
                                          tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--db", job["db"], "--out", str(tmp_path), "-q"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    validate_report(report)
    assert len(report["articles"]) == single.count() and report["claims"]


def test_a_manifest_rerun_into_the_same_folder_gives_the_same_tables(
        job: dict[str, Any], warcs: dict[str, Path], tmp_path: Path) -> None:
    """A rerun (here from a CC-NEWS style manifest of file:// URLs, read through Spark's
    Hadoop file systems) replaces the tables: no row twice, and the same rows but for
    the sources' names, and for the vectors in the products and the clusterer's rows,
    which are the same within the encoder's float noise (a Python worker that embedded
    a sentence before reuses its vector, computed in another batch)."""
    before = {t: _table(job["out"], t) for t in (*SCHEMAS, *JOB_SCHEMAS)}
    listed = manifest(tmp_path / "warc.paths.gz",
                      [warcs["seeds"].resolve().as_uri(), warcs["corrupt"].name])
    # the second line is relative: it points into the folder given by --manifest-prefix
    result = runner.invoke(app, ["spark", str(listed), "--out", str(job["out"]),
                                 "--manifest-prefix", warcs["corrupt"].parent.as_uri(),
                                 "--json"], catch_exceptions=False)
    assert result.exit_code == 3, result.output  # done; some inputs were skipped
    after = {t: _table(job["out"], t) for t in before}

    def renamed(rows: list[dict[str, Any]]) -> list[Any]:
        text = json.dumps(rows, sort_keys=True, default=str)
        for warc in warcs.values():
            text = text.replace(warc.resolve().as_uri(), str(warc))
        return json.loads(text)

    for table in before:
        assert len(after[table]) == len(before[table]), table
        if table in VECTOR_TABLES:
            continue
        assert renamed(after[table]) == json.loads(json.dumps(before[table], default=str)), \
            table
    for table in VECTOR_TABLES:  # vectors embedded again: the same within float noise
        for old, new in zip(before[table], after[table], strict=True):
            assert {k: v for k, v in old.items() if k != "data"} == {
                k: v for k, v in new.items() if k != "data"}, table
            assert differences(json.loads(new["data"]), json.loads(old["data"])) == [], \
                (table, old)
    with Store.open(job["db"]) as store:
        counts = (store.count(), len(store.items("claims")))
    # the same articles and results once loaded; its sources are named by URL, so its
    # errors are new ones
    result = runner.invoke(app, ["load", str(job["out"]), "--db", job["db"], "--json"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["articles"] == counts[0]
    with Store.open(job["db"]) as store:
        assert (store.count(), len(store.items("claims"))) == counts
        errors = len(store.errors(1000))
        load_tables(job["out"], store)  # and loading a folder again adds nothing
        assert (store.count(), len(store.items("claims")), len(store.errors(1000))) == (
            *counts, errors)
