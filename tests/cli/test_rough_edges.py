"""Small things a user meets on the command line (issue 19, item 11)."""

from __future__ import annotations

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
