"""Small things a user meets on the command line (issue 19, item 11)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newstrace.cli import app

runner = CliRunner()


def test_an_impossible_date_is_a_usage_error(tmp_path: Path) -> None:
    db = str(tmp_path / "n.db")
    for option in ("--since", "--until"):
        bad = runner.invoke(app, ["list", "--db", db, option, "2023-13-01"])
        assert bad.exit_code == 2, bad.output
        assert "is not a date" in bad.output
    good = runner.invoke(app, ["list", "--db", db, "--since", "2023-02-28", "--json"])
    assert good.exit_code == 0, good.output


def test_fast_html_help_states_the_measured_speed_up() -> None:
    helped = runner.invoke(app, ["ingest", "--help"], env={"COLUMNS": "200"})
    assert "about 2x faster" in helped.output and "10x" not in helped.output


def test_list_off_a_terminal_prints_whole_ids_one_line_each(seeds_dir: Path,
                                                            tmp_path: Path) -> None:
    db = str(tmp_path / "n.db")
    assert runner.invoke(app, ["ingest", str(seeds_dir), "--db", db, "--quiet"]).exit_code == 0
    listed = runner.invoke(app, ["list", "--db", db])  # CliRunner is not a terminal
    lines = listed.stdout.splitlines()
    assert len(lines) == 4
    assert all(len(line.split("\t")[0]) == 16 for line in lines)
    assert any("\tCNN\ten\tUS intelligence suggests China" in line for line in lines)


def test_list_errors_goes_to_stdout(tmp_path: Path) -> None:
    db = str(tmp_path / "n.db")
    (tmp_path / "empty.txt").write_text("")
    runner.invoke(app, ["ingest", str(tmp_path / "empty.txt"), "--db", db, "--quiet"])
    listed = runner.invoke(app, ["list", "--db", db, "--errors"])
    assert listed.exit_code == 0 and "empty.txt" in listed.stdout
    assert "empty file" in listed.stdout


def test_a_stage_that_cannot_load_fails_the_command_loudly(
        seeds_dir: Path, tmp_path: Path, monkeypatch) -> None:
    import importlib

    real = importlib.import_module

    def broken_install(name: str, *args: object, **kwargs: object):
        if name == "newstrace.provenance":
            raise ImportError("No module named 'networkx'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(importlib, "import_module", broken_install)
    result = runner.invoke(app, ["analyze", str(seeds_dir), "--db", str(tmp_path / "n.db"),
                                 "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 1
    assert "analysis provenance not available: No module named 'networkx'" in result.stderr


def test_serve_passes_allowed_host_names_to_the_app(monkeypatch, tmp_path: Path) -> None:
    import uvicorn

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    result = runner.invoke(app, ["serve", "--db", str(tmp_path / "s.db"), "--allow-host",
                                 "news.example", "--allow-host", "proxy.local"])
    assert result.exit_code == 0, result.output
    from fastapi.testclient import TestClient

    client = TestClient(seen["app"], base_url="http://news.example")
    assert client.get("/api/health").status_code != 400
    assert TestClient(seen["app"], base_url="http://evil.example").get(
        "/api/health").status_code == 400
    assert runner.invoke(app, ["serve", "--db", str(tmp_path / "s.db"), "--host",
                               "127.0.0.2"]).exit_code == 2  # not loopback: needs a token


def test_show_takes_a_unique_id_prefix_and_list_any_outlet_case(seeds_dir: Path,
                                                               tmp_path: Path) -> None:
    import json

    db = str(tmp_path / "n.db")
    runner.invoke(app, ["ingest", str(seeds_dir), "--db", db, "--quiet"])
    listed = json.loads(runner.invoke(app, ["list", "--db", db, "--json"]).stdout)
    ids = [a["id"] for a in listed["articles"]]
    shown = runner.invoke(app, ["show", ids[0][:6], "--db", db, "--json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["id"] == ids[0]
    assert runner.invoke(app, ["show", ids[0][:3], "--db", db]).exit_code == 4  # too short
    assert runner.invoke(app, ["show", "ffffffff", "--db", db]).exit_code == 4
    for spelling in ("cnn", "CNN", "Cnn"):
        found = json.loads(runner.invoke(app, ["list", "--db", db, "--json", "--outlet",
                                               spelling]).stdout)
        assert [a["outlet"] for a in found["articles"]] == ["CNN"]


def test_analyze_without_paths_analyses_what_ingest_stored(seeds_dir: Path, tmp_path: Path
                                                           ) -> None:
    db = str(tmp_path / "n.db")
    assert runner.invoke(app, ["ingest", str(seeds_dir), "--db", db, "--quiet"]).exit_code == 0
    result = runner.invoke(app, ["analyze", "--db", db, "--out", str(tmp_path / "out"),
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert len(report["articles"]) == 4 and report["reuse"] and report["claims"]
    again = runner.invoke(app, ["analyze", "--db", db, "--out", str(tmp_path / "o2")])
    assert again.exit_code == 0 and "up to date" in again.stderr
    assert not (tmp_path / "o2").exists()
