"""A local Spark session for the Spark job's tests (skipped without pyspark), their
WARC inputs, and the single machine's store of the same inputs."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java 17 (.ci/run installs openjdk-17-jre-headless)",
                allow_module_level=True)

from newstrace.pipeline import analyze, ingest
from newstrace.store import Store
from tests.spark.warcs import corrupt_warc, seeds_warc


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from newstrace.spark.job import session

    spark = session(master="local[2]", app_name="newstrace-tests", partitions=2, ui=False,
                    log_level="ERROR")
    yield spark
    spark.stop()


@pytest.fixture(scope="module")
def single_store(tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[Callable[[list[str], str], Store]]:
    """A factory: ``single_store(inputs, name)`` is the single-machine pipeline's store
    of the inputs (``newstrace analyze``'s ingest and analyze), in a new folder named
    after ``name``; the stores are open until the module's tests end."""
    with ExitStack() as stack:
        def make(inputs: list[str], name: str) -> Store:
            store = stack.enter_context(
                Store.open(str(tmp_path_factory.mktemp(name) / "single.db")))
            summary = ingest(inputs, store)
            analyze(summary.article_ids, store, errors=summary.errors)
            return store

        yield make


@pytest.fixture(scope="session")
def warcs(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("warcs")
    return {"seeds": seeds_warc(seeds_dir, folder / "seeds.warc.gz"),
            "corrupt": corrupt_warc(folder / "corrupt.warc.gz")}
