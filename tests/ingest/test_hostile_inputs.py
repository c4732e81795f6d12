"""Hostile inputs: each one is that input's reason (or is read safely), never the batch's end.

Every case is a small file generated beside a good ``a.txt``; on SQLite and on
PostgreSQL the good article is stored, the hostile input is reported with a
specific reason (or read as an article, when it holds one), and a rerun adds
nothing.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.exc import DataError
from typer.testing import CliRunner

from newstrace import pipeline
from newstrace.cli import app
from newstrace.ingest import jsonrecords, warc
from newstrace.pipeline import ingest
from newstrace.records import InputError
from newstrace.store import Store
from newstrace.store.search import search_articles

GOOD = ("Council approves new bridge\n\nThe city council approved the new river bridge on "
        "Tuesday, officials said. Construction is expected to start next spring and to last "
        "two years, according to the mayor's office.\n")
BAD_NAME = os.fsdecode(b"bad\xff name.txt")  # not UTF-8: a surrogate escape in Python


def _warc_record(rec_type: str, headers: list[str], block: bytes) -> bytes:
    head = ["WARC/1.0", f"WARC-Type: {rec_type}", *headers, f"Content-Length: {len(block)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


def _response(uri: str | None, title: str) -> bytes:
    html = (f"<html><head><title>{title}</title></head><body><p>{title}: the minister said on "
            f"Monday that the talks would go on.</p></body></html>").encode()
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(html)
    headers = [f"WARC-Record-ID: <urn:uuid:{title.replace(' ', '-')}>",
               "WARC-Date: 2024-03-01T10:00:00Z",
               "Content-Type: application/http; msgtype=response"]
    if uri:
        headers.insert(1, f"WARC-Target-URI: {uri}")
    return _warc_record("response", headers, http + html)


def _nested_gzip(levels: int) -> bytes:
    data = b"Deep title\n\nDeep body."
    for _ in range(levels):
        data = gzip.compress(data, compresslevel=1, mtime=0)
    return data


def _megabyte_of_words() -> bytes:
    rng = random.Random(7)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 9)))
             for _ in range(150_000)]  # ~1 MB of (nearly all distinct) words
    return ("Huge headline\n\nzyxwvut " + " ".join(words) + ".\n").encode()


@dataclass(frozen=True)
class Case:
    name: str  # file name of the hostile input
    build: Callable[[], bytes]
    reason: str | None = None  # the start of its reason; None: it is read as an article
    articles: int = 1  # articles stored from it


CASES = {
    "json-2000-nested-arrays": Case("deep.json", lambda: b"[" * 2000 + b"]" * 2000,
                                    "JSON nested too deeply to read"),
    "json-nested-first-line-of-jsonl": Case(
        "deep.jsonl", lambda: b'{"a": ' + b"[" * 2000 + b"\n" + b'{"text": "x"}\n',
        "JSON nested too deeply to read"),
    "json-5000-digit-integer": Case(
        "big.json", lambda: b'{"title": "Big", "text": "The big number story, told in full.",'
                            b' "views": ' + b"7" * 5000 + b"}"),
    "jsonl-5000-digit-integer": Case(
        "big.jsonl", lambda: b'{"text": "First record with a big id.", "id": ' + b"9" * 5000
                             + b'}\n{"text": "Second record, a small id.", "id": 2}\n',
        articles=2),
    "gzip-nested-2000-times": Case("deep.txt.gz", lambda: _nested_gzip(2000),
                                   "gzip nested more than 4 levels deep"),
    "warc-response-without-target-uri": Case(
        "nouri.warc", lambda: _response(None, "No URI") + _response("https://n.example/1", "S1"),
        articles=2),
    "warc-garbage-after-header": Case(
        "garbage.warc", lambda: b"WARC/1.0\r\n" + random.Random(1).randbytes(3000),
        "truncated WARC: record 1 is cut short"),
    "warc-without-article-records": Case(
        "info.warc", lambda: _warc_record("warcinfo", ["WARC-Record-ID: <urn:uuid:i>",
                                                       "Content-Type: application/warc-fields"],
                                          b"software: test\r\n"),
        "no articles in WARC archive: 1 record(s) (1 warcinfo)"),
    "json-empty-list": Case("empty.json", lambda: b"[]", "no articles in JSON"),
    "json-empty-container": Case("empty2.json", lambda: b'{"articles": []}',
                                 "no articles in JSON"),
    "text-starting-with-bracket": Case(
        "nfl.txt", lambda: b"[NFL] Which team won the Super Bowl?\n\nThe Chiefs won the game "
                           b"on Sunday, beating the Eagles in a close final, the league said."),
    "json-lone-surrogate": Case(
        "sur.json", lambda: b'{"title": "Sur \\udc80", "text": "A body with a lone \\ud800 '
                            b'surrogate in it, the agency reported."}'),
    "file-name-not-utf8": Case(
        BAD_NAME, lambda: b"Odd name\n\nThe name of this file is not UTF-8 text at all, the "
                          b"archivist said."),
    "megabyte-of-words": Case("huge.txt", _megabyte_of_words),
}


def make_inputs(tmp_path: Path, case: str) -> Path:
    """A folder holding the good ``a.txt`` and the hostile input of ``case``."""
    folder = tmp_path / case
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD)
    spec = CASES[case]
    (folder / spec.name).write_bytes(spec.build())
    return folder


def _name(source: str) -> str:
    return Path(source.split("#", 1)[0]).name


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input_is_its_own_reason(case: str, tmp_path: Path, store_url: str) -> None:
    folder = make_inputs(tmp_path, case)
    spec = CASES[case]
    hostile = _name(os.fsencode(spec.name).decode("utf-8", "backslashreplace"))
    with Store.open(store_url) as store:
        summary = ingest([str(folder)], store)
        stored = store.list_articles()
        assert "Council approves new bridge" in [a.title for a in stored], summary.errors
        reasons = [e.reason for e in summary.errors if _name(e.source) == hostile]
        if spec.reason is None:
            assert summary.errors == []
            assert sum(_name(a.source) == hostile for a in stored) == spec.articles
        else:
            assert len(reasons) == 1 and reasons[0].startswith(spec.reason), summary.errors
            assert len(reasons[0]) < 200 and "Traceback" not in reasons[0]
            assert [e.reason for e in store.errors()] == reasons  # `newstrace list --errors`
        assert summary.added == len(stored) == 1 + (spec.articles if spec.reason is None else 0)

        again = ingest([str(folder)], store)
        assert again.added == 0 and again.existing == summary.added
        assert [e.reason for e in again.errors] == [e.reason for e in summary.errors]
        assert store.list_articles() == stored


def test_what_the_safe_readings_hold(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "s.db")) as store:
        for case in ("text-starting-with-bracket", "json-lone-surrogate", "file-name-not-utf8",
                     "warc-response-without-target-uri", "json-5000-digit-integer"):
            ingest([str(make_inputs(tmp_path, case))], store)
        by_name = {_name(a.source): a for a in store.list_articles()}
    nfl = by_name["nfl.txt"]
    assert "[NFL] Which team won" in (nfl.title or "") + nfl.text and "Chiefs" in nfl.text
    assert "lone \ufffd surrogate" in by_name["sur.json"].text
    assert "bad\\xff name.txt" in by_name  # shown and stored as an escape, the same every run
    assert by_name["nouri.warc"].url in (None, "https://n.example/1")
    assert by_name["big.json"].title == "Big"


@pytest.mark.postgres
def test_megabyte_article_is_stored_and_searchable_on_postgresql(tmp_path: Path, pg_url: str
                                                                  ) -> None:
    folder = make_inputs(tmp_path, "megabyte-of-words")
    for i in range(2):
        (folder / f"b{i}.txt").write_text(GOOD.replace("bridge", f"bridge number {i}"))
    with Store.open(pg_url) as store:
        summary = ingest([str(folder)], store)
        assert summary.errors == [] and summary.added == 4
        assert search_articles(store, query="zyxwvut").total == 1  # indexed: its first words
        assert search_articles(store, query="bridge").total == 3


def test_cli_exit_code_3_and_list_errors(tmp_path: Path) -> None:
    folder = make_inputs(tmp_path, "json-2000-nested-arrays")
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(folder), "--db", db, "--json"],
                           catch_exceptions=False)
    assert result.exit_code == 3, result.output
    summary = json.loads(result.stdout)
    assert summary["added"] == 1
    assert [(_name(e["source"]), e["reason"][:30]) for e in summary["errors"]] == [
        ("deep.json", "JSON nested too deeply to read")]
    listed = runner.invoke(app, ["list", "--errors", "--db", db, "--json"],
                           catch_exceptions=False)
    assert listed.exit_code == 0
    assert json.loads(listed.stdout)[0]["reason"].startswith("JSON nested too deeply")
    again = runner.invoke(app, ["ingest", str(folder), "--db", db, "--json"],
                          catch_exceptions=False)
    assert again.exit_code == 3 and json.loads(again.stdout)["added"] == 0


def test_any_reader_failure_is_that_inputs_reason(tmp_path: Path, store_url: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_inputs(tmp_path, "json-empty-list")

    def broken(source: str, data: bytes) -> None:
        raise KeyError("a reader bug")

    monkeypatch.setattr("newstrace.ingest.parse_json", broken)
    with Store.open(store_url) as store:
        summary = ingest([str(folder)], store)
        assert summary.added == 1
        assert [(_name(e.source), e.reason) for e in summary.errors] == [
            ("empty.json", "cannot read: KeyError: 'a reader bug'")]


def test_a_bad_warc_record_skips_that_record_only(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"".join(_response(f"https://n.example/{i}", f"Story {i}") for i in range(3))
    (tmp_path / "three.warc").write_bytes(data)
    real = warc._record_document

    def fails_on_the_second(source: str, record: object, max_bytes: int) -> object:
        if "/1" in (record.rec_headers.get_header("WARC-Target-URI") or ""):  # type: ignore[attr-defined]
            raise AttributeError("'NoneType' object has no attribute 'startswith'")
        return real(source, record, max_bytes)

    monkeypatch.setattr(warc, "_record_document", fails_on_the_second)
    with Store.open(str(tmp_path / "s.db")) as store:
        summary = ingest([str(tmp_path / "three.warc")], store)
        assert sorted(a.url or "" for a in store.list_articles()) == [
            "https://n.example/0", "https://n.example/2"]
    assert [e.reason for e in summary.errors] == [
        "unreadable WARC record 2: AttributeError: 'NoneType' object has no attribute "
        "'startswith'"]
    assert summary.errors[0].source.endswith("three.warc#record-urn:uuid:Story-1")


def test_a_cleaner_failure_is_short_and_prints_no_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_inputs(tmp_path, "text-starting-with-bracket")
    real = pipeline.clean_document

    def breaks_on_nfl(raw, **options):  # type: ignore[no-untyped-def]
        if "NFL" in raw.content:
            raise UnicodeEncodeError("utf-8", "x" * 5000, 1, 2, "surrogates not allowed")
        return real(raw, **options)

    monkeypatch.setattr(pipeline, "clean_document", breaks_on_nfl)
    with Store.open(str(tmp_path / "s.db")) as store:
        summary = ingest([str(folder)], store)
    assert summary.added == 1
    [error] = summary.errors
    assert error.stage == "clean" and error.reason.startswith(
        "internal error while cleaning: UnicodeEncodeError")
    assert len(error.reason) < 250
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out


def test_an_article_the_store_refuses_is_its_own_reason(
        tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_inputs(tmp_path, "megabyte-of-words")
    (folder / "b.txt").write_text(GOOD.replace("bridge", "tunnel"))
    real = Store.add_articles

    def refuses_huge(self, items):  # type: ignore[no-untyped-def]
        if any(len(article.text) > 500_000 for article, _ in items):
            raise DataError("INSERT INTO articles (id, text) VALUES (...)" + " x" * 1500, {},
                            Exception("string is too long for tsvector (1462344 bytes, max "
                                      "1048575 bytes)\nDETAIL: more"))
        return real(self, items)

    monkeypatch.setattr(Store, "add_articles", refuses_huge)
    with Store.open(store_url) as store:
        summary = ingest([str(folder)], store)
        assert summary.added == 2 and store.count() == 2
        assert [(_name(e.source), e.stage, e.reason) for e in summary.errors] == [
            ("huge.txt", "store", "cannot store: string is too long for tsvector "
                                  "(1462344 bytes, max 1048575 bytes)")]
        again = ingest([str(folder)], store)
        assert again.added == 0 and again.existing == 2 and len(again.errors) == 1


def test_a_store_failure_is_not_blamed_on_an_input(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    folder = make_inputs(tmp_path, "json-empty-list")

    def server_gone(self, items):  # type: ignore[no-untyped-def]
        raise OperationalError("INSERT ...", {}, Exception("database is locked"))

    monkeypatch.setattr(Store, "add_articles", server_gone)
    with Store.open(str(tmp_path / "s.db")) as store, pytest.raises(OperationalError):
        ingest([str(folder)], store)


def test_reader_items_are_isolated_per_input() -> None:
    # the JSON guards on their own
    docs = list(jsonrecords.parse_json("x.json", b"[" * 3000 + b"]" * 3000))
    assert isinstance(docs[0], InputError) and "nested too deeply" in docs[0].reason
    with pytest.raises(jsonrecords.NotJSON):
        list(jsonrecords.parse_json("x.txt", b"[NFL] Which team won?"))
    [bad] = jsonrecords.parse_json("x.json", b'[{"title": "cut", "text": ')
    assert isinstance(bad, InputError) and bad.reason.startswith("malformed JSON at line 1")
