"""UTF-16 without a byte-order mark is text; a WARC record over the limit skips itself."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newstrace.ingest import iter_inputs
from newstrace.pipeline import ingest
from newstrace.records import InputError, RawDocument
from newstrace.store import Store

TEXT = ("China said on Monday that it had not supplied weapons to Russia.\n\n"
        "Foreign Ministry spokesman Wang Wenbin told reporters the claims were false.")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read_as_text(tmp_path: Path, encoding: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "plain.txt").write_bytes(TEXT.encode(encoding))
    (folder / "page.html").write_bytes(
        f"<html><head><title>Drones</title></head><body><p>{TEXT}</p><p>Moscow asked for "
        f"drones, officials said.</p></body></html>".encode(encoding))
    (folder / "ru.txt").write_bytes("Песков заявил, что Россия не просила Китай о "
                                      "военной помощи.".encode(encoding))
    with Store.open(str(tmp_path / "s.db")) as store:
        summary = ingest([str(folder)], store)
        assert summary.errors == [] and summary.added == 3
        texts = [a.text for a in store.get_many(summary.article_ids)]
    assert any("Wang Wenbin told reporters" in t for t in texts)
    assert any("Песков заявил" in t for t in texts)


def test_binary_with_nul_bytes_is_still_binary(tmp_path: Path) -> None:
    (tmp_path / "blob.txt").write_bytes(bytes(range(256)) * 64)
    [item] = list(iter_inputs([str(tmp_path / "blob.txt")]))
    assert isinstance(item, InputError) and "binary" in item.reason


def _warc(path: Path, sizes: list[int], *, gzip: bool) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)
        for n, size in enumerate(sizes):
            body = (f"<html><head><title>Story {n}</title></head><body><p>{TEXT}</p>"
                    f"<p>{'x' * size}</p></body></html>").encode()
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://example.com/{n}", "response", payload=io.BytesIO(body),
                http_headers=http))


@pytest.mark.parametrize("gzip", [False, True])
def test_a_record_over_the_limit_skips_itself_not_the_archive(tmp_path: Path,
                                                              gzip: bool) -> None:
    path = tmp_path / ("a.warc.gz" if gzip else "a.warc")
    _warc(path, [0, 60_000, 0], gzip=gzip)
    items = list(iter_inputs([str(path)], max_bytes=50_000))
    pages = [i for i in items if isinstance(i, RawDocument)]
    errors = [i for i in items if isinstance(i, InputError)]
    assert [p.url for p in pages] == ["https://example.com/0", "https://example.com/2"]
    assert len(errors) == 1 and "over the 50,000-byte limit" in errors[0].reason
    assert "#record-" in errors[0].source


def _warc_with_headers(path: Path, body: str, http_headers: list[tuple[str, str]],
                       warc_date: str) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=False)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), *http_headers],
                                protocol="HTTP/1.1")
        record = writer.create_warc_record("https://example.com/a", "response",
                                           payload=io.BytesIO(body.encode()),
                                           http_headers=http,
                                           warc_headers_dict={"WARC-Date": warc_date})
        writer.write_record(record)


def test_warc_http_dates_bound_and_fill_the_publication_date(tmp_path: Path) -> None:
    page = f"<html><head><title>Drones</title></head><body><p>{TEXT}</p></body></html>"
    _warc_with_headers(tmp_path / "modified.warc", page,
                       [("Last-Modified", "Thu, 29 Feb 2024 08:00:00 GMT")],
                       "2024-03-01T10:00:00Z")
    future = page.replace("<head>", '<head><meta property="article:published_time" '
                                    'content="2031-05-01T00:00:00Z">')
    _warc_with_headers(tmp_path / "future.warc", future.replace("said", "stated"), [],
                       "2024-03-01T10:00:00Z")
    with Store.open(str(tmp_path / "s.db")) as store:
        summary = ingest([str(tmp_path / "modified.warc"), str(tmp_path / "future.warc")],
                         store)
        by_file = {Path(a.source.split("#")[0]).name: a
                   for a in store.get_many(summary.article_ids)}
    modified, future_page = by_file["modified.warc"], by_file["future.warc"]
    assert modified.published.startswith("2024-02-29")
    assert modified.published_from == "http-last-modified"
    assert future_page.published is None  # dated after it was fetched: not trusted
