"""A local Spark session for the Spark job's tests (skipped without pyspark)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java 17 (.ci/run installs openjdk-17-jre-headless)",
                allow_module_level=True)

from tests.spark.warcs import corrupt_warc, seeds_warc


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master("local[2]").appName("newstrace-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.default.parallelism", "2")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def warcs(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("warcs")
    return {"seeds": seeds_warc(seeds_dir, folder / "seeds.warc.gz"),
            "corrupt": corrupt_warc(folder / "corrupt.warc.gz")}
