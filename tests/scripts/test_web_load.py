"""benchmarks/web_load.py: its request mix, and ``--misses`` (every kind of request of the
mix answered in-process with no response cache) on a small synthetic store."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "web_load.py"


@pytest.fixture(scope="module")
def bench() -> Any:
    spec = importlib.util.spec_from_file_location("web_load", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("mix", ["full", "api"])
def test_the_mix_draws_each_of_its_requests_and_no_other(bench: Any, mix: str) -> None:
    rng = random.Random(3)
    stories, claims = [f"story-{s:04d}" for s in range(40)], [f"c{c}" for c in range(90)]
    names = {bench.request_for(rng.random(), rng, mix, stories, claims, ["Outlet 1"])[0]
             for _ in range(2000)}
    assert names == set(bench.MIX_REQUESTS[mix])


def test_misses_answers_every_kind_of_the_mix_in_process(bench: Any, tmp_path: Path) -> None:
    db = str(tmp_path / "bench.db")
    _, stories, claims = bench.build_store(db, 400)
    table = bench.misses(db, 3, "full", stories, claims)
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    named = {row.split(" | ")[0].strip("| ") for row in rows[1:]}
    assert named == {*bench.MIX_REQUESTS["full"], "the mix, every request a miss"}
    assert "load average (uptime)" in table
