"""Ingest: turn files, folders, archives, feeds and URLs into RawDocuments.

    >>> from newstrace.ingest import iter_inputs
    >>> items = list(iter_inputs(["../shared/data/seeds"]))  # doctest: +SKIP

``iter_inputs`` yields a :class:`~newstrace.records.RawDocument` for every
article found and an :class:`~newstrace.records.InputError` for every part that
could not be read; it never raises for bad input, so a batch always goes on.
Formats are recognised by content (:mod:`newstrace.ingest.detect`): plain text,
HTML, JSON / JSONL records, RSS / Atom feeds, WARC archives, lists of URLs, and
gzip-compressed versions of each.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from newstrace.ingest.detect import binary_kind, sniff
from newstrace.ingest.feeds import parse_feed
from newstrace.ingest.files import ReadError, decode_text, gunzip, read_limited, walk
from newstrace.ingest.http import Fetcher
from newstrace.ingest.jsonrecords import parse_json
from newstrace.ingest.warc import parse_warc
from newstrace.records import InputError, RawDocument

__all__ = ["DEFAULT_MAX_BYTES", "iter_inputs"]

DEFAULT_MAX_BYTES = 20_000_000
Item = RawDocument | InputError


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def iter_inputs(
    inputs: Iterable[str],
    *,
    timeout: float = 20.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    follow_feed_links: bool = True,
) -> Iterator[Item]:
    """Walk ``inputs`` (files, folders, URLs, URL lists) and yield documents or errors.

    ``timeout`` bounds each HTTP fetch; ``max_bytes`` bounds any one file, page or
    decompressed stream (WARC archives stream, so only each record is bounded);
    ``follow_feed_links`` fetches the page of a feed item that carries only a teaser.
    """
    with Fetcher(timeout=timeout, max_bytes=max_bytes) as fetcher:
        reader = _Reader(fetcher, max_bytes, follow_feed_links)
        for item in inputs:
            if is_url(item):
                yield from reader.url(item)
                continue
            path = Path(item)
            if not path.exists():
                yield InputError(item, "no such file or directory")
                continue
            for file in walk(path):
                yield from reader.file(file)


class _Reader:
    def __init__(self, fetcher: Fetcher, max_bytes: int, follow_feed_links: bool) -> None:
        self.fetcher = fetcher
        self.max_bytes = max_bytes
        self.follow = follow_feed_links

    def file(self, path: Path) -> Iterator[Item]:
        source = str(path)
        try:
            with path.open("rb") as handle:
                head = handle.read(65536)
            if not head.strip():
                yield InputError(source, "empty file")
                return
            kind = sniff(head)
            if kind == "warc":
                with path.open("rb") as handle:
                    yield from parse_warc(source, handle, total_size=path.stat().st_size,
                                          max_bytes=self.max_bytes)
                return
            if kind == "gzip":
                yield from self._gzip_file(path)
                return
            yield from self.data(source, read_limited(path, self.max_bytes))
        except ReadError as exc:
            yield InputError(source, str(exc))
        except OSError as exc:
            yield InputError(source, f"cannot read: {exc.strerror or exc}")

    def _gzip_file(self, path: Path) -> Iterator[Item]:
        source = str(path)
        with path.open("rb") as handle:
            first_member = handle.read(1 << 20)
        try:  # peek at the start only: a truncated tail must not hide whole WARC records
            inner_head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(first_member, 65536)
        except zlib.error as exc:
            yield InputError(source, f"corrupt gzip stream: {exc}")
            return
        if sniff(inner_head) == "warc":  # WARC records are gzipped one by one: stream them
            with path.open("rb") as handle:
                yield from parse_warc(source, handle, total_size=path.stat().st_size,
                                      max_bytes=self.max_bytes)
            return
        compressed = read_limited(path, self.max_bytes)
        yield from self.data(source, gunzip(compressed, self.max_bytes))

    def data(self, source: str, data: bytes, *, url: str | None = None,
             charset: str | None = None) -> Iterator[Item]:
        """Documents from bytes whose format is not known yet."""
        if not data.strip():
            yield InputError(source, "empty" if url is None else "empty response")
            return
        kind = sniff(data)
        if kind == "binary":
            yield InputError(source, f"binary file ({binary_kind(data[:65536])}), not text")
        elif kind == "gzip":
            yield from self.data(source, gunzip(data, self.max_bytes), url=url)
        elif kind == "warc":
            yield from parse_warc(source, io.BytesIO(data), total_size=len(data),
                                  max_bytes=self.max_bytes)
        elif kind in ("json", "jsonl"):
            yield from parse_json(source, data)
        elif kind == "feed":
            yield from parse_feed(source, data, fetch=self.url if self.follow else None)
        elif kind == "urls":
            for line in data.decode("utf-8", errors="replace").splitlines():
                if line.strip() and not line.startswith("#"):
                    yield from self.url(line.strip())
        elif kind == "html":
            yield RawDocument(source=source, content=data, media_type="html", url=url,
                              hints={"charset": charset} if charset else {})
        else:
            text, note = decode_text(data, charset)
            hints = {"encoding_note": note} if note else {}
            yield RawDocument(source=source, content=text, media_type="text", url=url,
                              hints=hints)

    def url(self, url: str) -> Iterator[Item]:
        try:
            body, final_url, charset = self.fetcher.get(url)
            yield from self.data(url, body, url=final_url, charset=charset)
        except ReadError as exc:
            yield InputError(url, str(exc))
