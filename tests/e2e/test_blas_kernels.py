"""The report does not depend on the BLAS kernel, the number of processes or batching.

OpenBLAS picks its kernels for the CPU (``OPENBLAS_CORETYPE`` forces one on any x86-64
machine), and the last bits of every float32 product follow; so do they when sentences
are embedded in other batches or parsed by two processes instead of one. The report of a
mixed corpus (``tests/e2e/kernel_run.py``: seeds, PolNeAR, ECB+, WMT22) computed in fresh
processes under two kernels, with one and two processes and two encoder batch sizes,
has the same articles, reuse edges, events, stories, entities, claims, stances,
citations, origins and anomalies; its scores agree within
:data:`tests.fixtures.compare.SCORE_TOLERANCE`.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fixtures.compare import report_differences

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"),
                       reason="OPENBLAS_CORETYPE names x86-64 kernels"),
]

RUNS = {  # name: (kernel, processes, encoder batch)
    "haswell-2-processes": ("Haswell", "2", None),
    "sandybridge-1-process-batch-7": ("Sandybridge", "1", 7),
}


def run(tmp_path: Path, name: str) -> dict:
    kernel, processes, batch = RUNS[name]
    env = {**os.environ, "OPENBLAS_CORETYPE": kernel, "NEWSTRACE_PROCESSES": processes}
    out = tmp_path / f"{name}.json"
    command = [sys.executable, "-m", "tests.e2e.kernel_run", str(out)]
    if batch:
        command += ["--encoder-batch", str(batch)]
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=600)
    return json.loads(out.read_text(encoding="utf-8"))


def test_the_report_is_the_same_on_two_kernels_one_or_two_processes(tmp_path: Path) -> None:
    first, second = (run(tmp_path, name) for name in RUNS)
    assert first["kernels"] == ["Haswell"] and second["kernels"] == ["Sandybridge"]
    report = first["report"]
    # the corpus exercises every stage
    assert len(report["articles"]) > 60
    assert {e["kind"] for e in report["reuse"]} >= {"translation", "rewrite"}
    assert len(report["stories"]) >= 3 and len(report["claims"]) > 300
    assert any(c.get("denied_by") for c in report["claims"])
    differences = report_differences(report, second["report"])
    assert differences == [], "\n".join(differences[:40])
