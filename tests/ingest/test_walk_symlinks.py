"""Symlinks in walked folders: each real file is read once, loops end, and symlinks
leaving the given folder are reported, not followed, unless asked."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newstrace.cli import app
from newstrace.ingest import iter_inputs
from newstrace.ingest.files import Skipped, walk
from newstrace.pipeline import ingest
from newstrace.records import InputError, RawDocument
from newstrace.store import Store

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt",
                                reason="needs POSIX symlinks")

OUTSIDE_REASON = "symlink to a path outside {}: not followed (use --follow-symlinks)"


def article(title: str) -> str:
    return f"{title}\n\nThe council said on Monday that the {title.lower()} would reopen in May."


def run(*inputs: str, **options: object) -> tuple[list[RawDocument], list[InputError]]:
    items = list(iter_inputs(list(inputs), **options))  # type: ignore[arg-type]
    return ([i for i in items if isinstance(i, RawDocument)],
            [i for i in items if isinstance(i, InputError)])


def names(docs: list[RawDocument], folder: Path) -> list[str]:
    return [Path(d.source).relative_to(folder).as_posix() for d in docs]


def test_two_self_symlinks_finish_and_read_each_file_once(tmp_path: Path) -> None:
    d = tmp_path / "d"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text(article("Bridge"))
    (d / "sub" / "b.txt").write_text(article("Tunnel"))
    (d / "l1").symlink_to(".")
    (d / "l2").symlink_to(".")
    (d / "sub" / "up").symlink_to("..")
    started = time.monotonic()
    docs, errors = run(str(d))
    assert time.monotonic() - started < 5
    assert names(docs, d) == ["a.txt", "sub/b.txt"]
    assert errors == []
    with Store.open(str(tmp_path / "s.db")) as store:
        summary = ingest([str(d)], store)
        assert summary.added == 2 and summary.errors == []
        assert sorted(Path(a.source).name for a in store.list_articles()) == ["a.txt", "b.txt"]


def test_symlink_to_a_file_outside_is_reported_not_stored(tmp_path: Path) -> None:
    d, outside = tmp_path / "d", tmp_path / "outside"
    d.mkdir()
    outside.mkdir()
    (d / "good.txt").write_text(article("Bridge"))
    secret = outside / "passwd.txt"
    secret.write_text(article("Secret"))
    (d / "passwd").symlink_to(secret)
    with Store.open(str(tmp_path / "s.db")) as store:
        summary = ingest([str(d)], store)
        assert summary.added == 1
        assert summary.errors == [InputError(str(d / "passwd"), OUTSIDE_REASON.format(d))]
        assert [Path(a.source).name for a in store.list_articles()] == ["good.txt"]
        assert all("Secret" not in a.text for a in store.list_articles())
        followed = ingest([str(d)], store, follow_symlinks=True)
        assert followed.added == 1 and followed.existing == 1 and followed.errors == []
        assert sorted(Path(a.source).name for a in store.list_articles()) == ["good.txt",
                                                                               "passwd"]


def test_symlinked_folder_outside_is_followed_only_when_asked(tmp_path: Path) -> None:
    d, outside = tmp_path / "d", tmp_path / "outside"
    d.mkdir()
    outside.mkdir()
    (outside / "x.txt").write_text(article("Outside"))
    (outside / "back").symlink_to(d)  # back into the folder: no second copy
    (d / "a.txt").write_text(article("Bridge"))
    (d / "ext").symlink_to(outside)
    docs, errors = run(str(d))
    assert names(docs, d) == ["a.txt"]
    assert errors == [InputError(str(d / "ext"), OUTSIDE_REASON.format(d))]
    docs, errors = run(str(d), follow_symlinks=True)
    assert names(docs, d) == ["a.txt", "ext/x.txt"] and errors == []


def test_a_named_symlink_to_a_file_is_read(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "story.txt"
    target.parent.mkdir()
    target.write_text(article("Bridge"))
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    docs, errors = run(str(link))
    assert [d.source for d in docs] == [str(link)] and errors == []


def test_symlink_to_a_folder_inside_does_not_duplicate(tmp_path: Path) -> None:
    d = tmp_path / "d"
    (d / "real").mkdir(parents=True)
    (d / "real" / "a.txt").write_text(article("Bridge"))
    (d / "real" / "b.txt").write_text(article("Tunnel"))
    (d / "alias").symlink_to("real")  # sorts before "real": still read under its own name
    (d / "b-link.txt").symlink_to("real/b.txt")
    docs, errors = run(str(d))
    assert names(docs, d) == ["real/a.txt", "real/b.txt"] and errors == []


def test_broken_symlink_is_reported(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    (d / "good.txt").write_text(article("Bridge"))
    (d / "gone.txt").symlink_to(d / "missing.txt")
    (d / "self").symlink_to("self")  # a loop of links
    docs, errors = run(str(d))
    assert names(docs, d) == ["good.txt"]
    assert [(Path(e.source).name, e.reason) for e in errors] == [
        ("gone.txt", "broken symlink"), ("self", "broken symlink (a loop of links)")]
    assert run(str(d / "gone.txt"))[1] == [InputError(str(d / "gone.txt"), "broken symlink")]


def test_loop_between_two_subfolders(tmp_path: Path) -> None:
    d = tmp_path / "d"
    (d / "a").mkdir(parents=True)
    (d / "b").mkdir()
    (d / "a" / "one.txt").write_text(article("Bridge"))
    (d / "b" / "two.txt").write_text(article("Tunnel"))
    (d / "a" / "to_b").symlink_to("../b")
    (d / "b" / "to_a").symlink_to("../a")
    docs, errors = run(str(d))
    assert names(docs, d) == ["a/one.txt", "b/two.txt"] and errors == []
    # the same loop outside the folder, followed: it still ends, each file once
    docs, errors = run(str(d / "a"), follow_symlinks=True)
    assert names(docs, d) == ["a/one.txt", "a/to_b/two.txt"] and errors == []


def test_hidden_entries_are_still_skipped_and_order_is_stable(tmp_path: Path) -> None:
    d = tmp_path / "d"
    (d / ".git").mkdir(parents=True)
    (d / ".git" / "x.txt").write_text(article("Hidden"))
    (d / ".link").symlink_to("/etc/passwd")
    for name in ("c.txt", "a.txt", "b.txt"):
        (d / name).write_text(article(name))
    assert list(walk(d)) == [d / "a.txt", d / "b.txt", d / "c.txt"]
    assert list(walk(d)) == list(walk(d))
    (d / "pw").symlink_to("/etc/passwd")
    assert list(walk(d))[-1] == Skipped(d / "pw", OUTSIDE_REASON.format(d))


def test_cli_follow_symlinks(tmp_path: Path) -> None:
    d, outside = tmp_path / "d", tmp_path / "outside"
    d.mkdir()
    outside.mkdir()
    (d / "good.txt").write_text(article("Bridge"))
    (outside / "story.txt").write_text(article("Tunnel"))
    (d / "story.txt").symlink_to(outside / "story.txt")
    runner = CliRunner()
    db = str(tmp_path / "n.db")
    refused = runner.invoke(app, ["ingest", str(d), "--db", db, "--json", "--workers", "1"],
                            catch_exceptions=False)
    assert refused.exit_code == 3, refused.output
    summary = json.loads(refused.stdout)
    assert summary["added"] == 1
    assert [e["reason"] for e in summary["errors"]] == [OUTSIDE_REASON.format(d)]
    followed = runner.invoke(app, ["ingest", str(d), "--db", db, "--json", "--workers", "1",
                                   "--follow-symlinks"], catch_exceptions=False)
    assert followed.exit_code == 0, followed.output
    summary = json.loads(followed.stdout)
    assert summary["added"] == 1 and summary["existing"] == 1 and summary["errors"] == []
