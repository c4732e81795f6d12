"""WARC files for the Spark tests, built from the shared seeds."""

from __future__ import annotations

import gzip
import io
from collections.abc import Sequence
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

FETCHED = "2023-02-25T12:00:00Z"
OTHER_TEXT = (
    "City council approves new budget for schools\n\n"
    "The city council of Springfield approved a new budget on Monday that raises "
    "spending on public schools by four percent, the mayor's office said in a statement. "
    "Council members voted seven to two in favour of the plan after a long debate about "
    "teacher salaries and the cost of repairing old buildings.\n\n"
    "The mayor said the budget would help hire forty new teachers next year."
)


def _response(writer: WARCWriter, url: str, body: bytes,
              headers: list[tuple[str, str]] | None = None) -> None:
    http = StatusAndHeaders("200 OK", headers or [("Content-Type", "text/plain; charset=utf-8")],
                            protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), http_headers=http,
        warc_headers_dict={"WARC-Date": FETCHED}))


def seeds_warc(seeds: Path, path: Path, names: Sequence[str] | None = None) -> Path:
    """The seed texts (those of ``names``, or all) as the responses of one gzipped WARC
    file, in name order."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for seed in sorted(seeds.glob("*.txt")):
            if names is not None and seed.name not in names:
                continue
            _response(writer, f"https://example.org/{seed.stem}", seed.read_bytes())
    return path


def corrupt_warc(path: Path) -> Path:
    """One good article, one record whose gzip content encoding is broken, and a last
    record cut short."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    _response(writer, "https://example.net/budget", OTHER_TEXT.encode())
    _response(writer, "https://example.net/broken", b"this is not gzip at all" * 20,
              [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])
    whole = buffer.getvalue()
    _response(writer, "https://example.net/cut", OTHER_TEXT.encode() * 3)
    data = buffer.getvalue()
    path.write_bytes(data[: len(whole) + (len(data) - len(whole)) // 2])
    return path


def manifest(path: Path, lines: list[str]) -> Path:
    """A CC-NEWS style manifest (``warc.paths.gz``): one path a line, gzipped."""
    path.write_bytes(gzip.compress("".join(f"{line}\n" for line in lines).encode()))
    return path


def ecbplus_docs(path: Path, topics: set[str] | None = None) -> list[dict[str, str]]:
    """ECB+ dev documents (of ``topics``, or all), in file order, their tokenised text
    joined back as prose (``" ,"`` -> ``","`` and the like)."""
    import json

    docs = []
    for line in path.read_text().splitlines():
        doc = json.loads(line)
        if topics is None or doc["topic"] in topics:
            doc["text"] = (doc["text"].replace(" ,", ",").replace(" .", ".")
                           .replace(" '", "'").replace(" n't", "n't"))
            docs.append(doc)
    return docs


def ecbplus_warcs(docs: list[dict[str, str]], folder: Path, files: int = 3) -> list[Path]:
    """``docs`` as the text/plain responses of ``files`` gzipped WARC files, dealt out
    in runs of consecutive documents (a topic stays mostly in one file, as one site's
    crawl does), each at ``https://ecbplus.example/<topic>/<doc>``."""
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-len(docs) // files)
    paths = []
    for n in range(files):
        path = folder / f"ecbplus-{n:02d}.warc.gz"
        with path.open("wb") as handle:
            writer = WARCWriter(handle, gzip=True)
            for doc in docs[n * size:(n + 1) * size]:
                _response(writer, f"https://ecbplus.example/{doc['topic']}/{doc['doc']}",
                          doc["text"].encode())
        paths.append(path)
    return paths
