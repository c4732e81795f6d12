"""Bad input: each case is reported with a clear reason and the rest of the batch goes on."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newstrace.ingest import iter_inputs
from newstrace.pipeline import ingest
from newstrace.records import InputError, RawDocument
from newstrace.store import Store
from tests.ingest.test_formats import make_warc

GOOD = "Good headline\n\nA good article body that says something."


def run(*inputs: str, **options: object) -> tuple[list[RawDocument], list[InputError]]:
    items = list(iter_inputs(list(inputs), **options))  # type: ignore[arg-type]
    return ([i for i in items if isinstance(i, RawDocument)],
            [i for i in items if isinstance(i, InputError)])


def with_good(tmp_path: Path, name: str, data: bytes) -> tuple[list[RawDocument], str]:
    """Write the bad file beside a good one; return the documents and the bad file's reason."""
    (tmp_path / "good.txt").write_text(GOOD)
    (tmp_path / name).write_bytes(data)
    docs, errors = run(str(tmp_path))
    assert any(d.source.endswith("good.txt") for d in docs), "the batch must go on"
    reasons = [e.reason for e in errors if name in e.source]
    assert len(reasons) == 1, errors
    return docs, reasons[0]


def test_empty_file(tmp_path: Path) -> None:
    assert with_good(tmp_path, "empty.txt", b"   \n")[1] == "empty file"


def test_binary_file(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00"
    assert "binary file (PNG image)" in with_good(tmp_path, "x.html", png)[1]
    _, reason = with_good(tmp_path, "blob.txt", bytes(range(256)) * 10)
    assert reason.startswith("binary file")


def test_fifty_megabyte_html_page_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.html"
    with big.open("wb") as handle:
        handle.write(b"<html><body>")
        chunk = (b"<p>" + b"word " * 200 + b"</p>\n") * 500
        while handle.tell() < 50_000_000:
            handle.write(chunk)
    (tmp_path / "good.txt").write_text(GOOD)
    docs, errors = run(str(tmp_path))
    assert [Path(d.source).name for d in docs] == ["good.txt"]
    size_mb = big.stat().st_size / 1e6
    assert errors == [InputError(str(big), f"file is {size_mb:.1f} MB, over the 20 MB limit")]


def test_broken_encodings(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(GOOD)
    sentence = "Grüße aus Köln, sagte der Sprecher am Montag. ".encode()
    mixed = sentence * 5 + b"\xff\xfe\xfa" + b" end"
    (tmp_path / "mixed.txt").write_bytes(mixed)
    (tmp_path / "latin.txt").write_bytes(("Le ministre a déclaré à la presse que les négociations "
                                          "continuent. " * 6).encode("cp1252"))
    docs, errors = run(str(tmp_path))
    by_name = {Path(d.source).name: d for d in docs}
    assert errors == []
    assert "Grüße aus Köln" in by_name["mixed.txt"].content  # type: ignore[operator]
    assert "replaced" in by_name["mixed.txt"].hints["encoding_note"]
    assert "négociations" in by_name["latin.txt"].content  # type: ignore[operator]


def test_truncated_warc_keeps_whole_records_and_reports_the_cut(tmp_path: Path) -> None:
    for gz in (True, False):
        data = make_warc(3, gz=gz, extra_types=False)
        name = f"cut{int(gz)}.warc"
        (tmp_path / name).write_bytes(data[: len(data) - 60])
        docs, errors = run(str(tmp_path / name))
        assert [d.url for d in docs] == ["https://news.example/story/0",
                                         "https://news.example/story/1"]
        assert len(errors) == 1 and "truncated WARC" in errors[0].reason
        half = tmp_path / f"half{int(gz)}.warc"
        half.write_bytes(data[: len(data) // 2])
        docs, errors = run(str(half))
        assert len(docs) == 1 and "truncated WARC" in errors[0].reason


def test_truncated_and_corrupt_gzip(tmp_path: Path) -> None:
    data = gzip.compress(("Title\n\n" + "Body sentence. " * 2000).encode())
    _, reason = with_good(tmp_path, "cut.txt.gz", data[: len(data) // 2])
    assert reason.startswith("truncated gzip stream")
    _, reason = with_good(tmp_path, "bad.gz", b"\x1f\x8b\x08\x00garbage-not-deflate" * 3)
    assert "gzip" in reason


def test_malformed_json_and_jsonl_lines(tmp_path: Path) -> None:
    _, reason = with_good(tmp_path, "bad.json", b'{"title": "x", "text": "y",,}')
    assert reason.startswith("malformed JSON at line 1")
    lines = [json.dumps({"title": "ok1", "text": "First."}), '{"title": "broken", "text": ',
             json.dumps({"title": "ok2", "text": "Third."}), json.dumps({"title": "no text"})]
    (tmp_path / "r.jsonl").write_text("\n".join(lines) + "\n")
    docs, errors = run(str(tmp_path / "r.jsonl"))
    assert [d.hints["title"] for d in docs] == ["ok1", "ok2"]
    assert [(Path(e.source).name, e.reason.split(":")[0]) for e in errors] == [
        ("r.jsonl#L2", "malformed JSON at line 2"),
        ("r.jsonl#L4", "JSON record has no article text (no text/content/body/html field)")]


def test_malformed_feed(tmp_path: Path) -> None:
    _, reason = with_good(tmp_path, "feed.xml", b"<?xml version='1.0'?><rss><channel><item>"
                                                b"<title>broken & unclosed")
    assert reason.startswith("malformed feed")


def test_urls_that_fail(http_base: str) -> None:
    inputs = [f"{http_base}/missing", f"{http_base}/broken", f"{http_base}/slow",
              f"{http_base}/huge", f"{http_base}/binary", "http://127.0.0.1:1/refused",
              f"{http_base}/article"]
    docs, errors = run(*inputs, timeout=0.5, max_bytes=1_000_000,
                       allow_private_addresses=True)
    assert [d.source for d in docs] == [f"{http_base}/article"]
    reasons = {e.source.rsplit("/", 1)[1]: e.reason for e in errors}
    assert reasons["missing"] == "HTTP 404 Not Found"
    assert reasons["broken"] == "HTTP 500 Internal Server Error"
    assert reasons["slow"] == "timed out after 0.5 s"
    assert reasons["huge"] == "response is over the 1 MB limit"
    assert reasons["binary"].startswith("binary file (PDF document)")
    assert reasons["refused"].startswith("cannot fetch: ConnectError")


def test_nonexistent_path() -> None:
    assert run("/no/such/place")[1] == [InputError("/no/such/place", "no such file or directory")]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql",
                                                            marks=pytest.mark.postgres)])
def test_bad_batch_loses_nothing_already_stored(backend: str, tmp_path: Path, seeds_dir: Path,
                                               request: pytest.FixtureRequest) -> None:
    url = str(tmp_path / "s.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "x.json").write_text("{nope")
    packed = gzip.compress(("Title\n\n" + "Body sentence. " * 2000).encode())
    (bad / "cut.gz").write_bytes(packed[: len(packed) // 2])
    with Store.open(url) as store:
        ingest([str(seeds_dir)], store)
        before = store.list_articles()
        summary = ingest([str(bad), str(seeds_dir)], store)
        assert len(summary.errors) == 3 and summary.added == 0 and summary.existing == 4
        assert store.list_articles() == before
