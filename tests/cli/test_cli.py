"""The command line: the main job on the seeds, exit codes, --json, list and show."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newstrace.cli import app
from newstrace.report import validate_report
from tests.fixtures.compare import report_differences
from tests.fixtures.load import fixture_report, portable

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_analyze_seeds_writes_a_valid_report_and_dossier(seeds_dir: Path, tmp_path: Path
                                                         ) -> None:
    db, out = str(tmp_path / "n.db"), tmp_path / "out"
    result = invoke("analyze", str(seeds_dir), "--db", db, "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    validate_report(report)
    assert len(report["articles"]) == 4
    for key in ("reuse", "stories", "entities", "claims", "citations", "anomalies"):
        assert isinstance(report[key], list)
    html = (out / "index.html").read_text()
    assert "newstrace dossier" in html and report["articles"][0]["id"] in html
    # the web/API tests run against a stored copy of this report: it must not drift
    stored = fixture_report()
    for key in ("generated_at", "newstrace_version"):
        report.pop(key), stored.pop(key)
    # the same ids, edges, claims and texts; scores within the report's last places
    differences = report_differences(portable(report), stored)
    assert differences == [], ("pipeline output changed: run python -m "
                               "tests.fixtures.make_fixture\n" + "\n".join(differences[:20]))


def test_exit_codes_and_json_summary(seeds_dir: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "n.db")
    (tmp_path / "empty.txt").write_text("")
    partial = invoke("ingest", str(seeds_dir), str(tmp_path / "empty.txt"), "--db", db, "--json")
    assert partial.exit_code == 3
    summary = json.loads(partial.stdout)
    assert summary["added"] == 4 and summary["errors"][0]["reason"]
    again = invoke("ingest", str(seeds_dir), "--db", db, "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["added"] == 0
    nothing = invoke("analyze", str(tmp_path / "empty.txt"), "--db", db, "--out",
                     str(tmp_path / "o"), "--quiet")
    assert nothing.exit_code == 4
    assert invoke("show", "0000000000000000", "--db", db).exit_code == 4
    assert invoke("ingest", str(seeds_dir), "--db", "postgresql://x@127.0.0.1:1/n"
                  ).exit_code == 1
    assert invoke("ingest", "--no-such-option").exit_code == 2


def test_list_and_show(seeds_dir: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "n.db")
    invoke("ingest", str(seeds_dir), "--db", db, "--quiet")
    listed = json.loads(invoke("list", "--db", db, "--json").stdout)
    assert listed["total"] == 4
    first = listed["articles"][0]["id"]
    shown = json.loads(invoke("show", first, "--db", db, "--json").stdout)
    assert shown["id"] == first and shown["text"]
    text = invoke("show", first, "--db", db, "--boilerplate").stdout
    assert "boilerplate removed" in text
    searched = invoke("list", "--db", db, "--json", "--search", "Pentagon report")
    searched = json.loads(searched.stdout)
    assert searched["total"] == 1
