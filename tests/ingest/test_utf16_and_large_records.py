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
