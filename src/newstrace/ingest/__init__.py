"""Ingest: turn files, folders, archives, feeds and URLs into RawDocuments.

    >>> from newstrace.ingest import iter_inputs
    >>> items = list(iter_inputs(["../shared/data/seeds"]))  # doctest: +SKIP

``iter_inputs`` yields a :class:`~newstrace.records.RawDocument` for every
article found and an :class:`~newstrace.records.InputError` for every part that
could not be read; it never raises for bad input, so a batch always goes on.
Formats are recognised by content (:mod:`newstrace.ingest.detect`): plain text,
HTML, JSON / JSONL records, RSS / Atom feeds, WARC archives, lists of URLs, and
gzip-compressed versions of each.

Whatever goes wrong with one input (a bug in a parser, a hostile file built to
crash one) becomes that input's :class:`~newstrace.records.InputError`; an input
that yields nothing at all says so ("no articles in ..."). Names and texts that
cannot be encoded (file names that are not UTF-8, lone surrogates in JSON) are
made safe here, so that no later stage trips on them.
"""

from __future__ import annotations

import io
import logging
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from newstrace.ingest.detect import binary_kind, bomless_utf16, known_binary, sniff
from newstrace.ingest.feeds import parse_feed
from newstrace.ingest.files import (
    ReadError,
    Skipped,
    decode_text,
    describe_failure,
    gunzip,
    path_text,
    read_limited,
    safe_text,
    scrub_text,
    walk,
)
from newstrace.ingest.http import Fetcher
from newstrace.ingest.jsonrecords import NotJSON, parse_json
from newstrace.ingest.warc import parse_warc
from newstrace.records import InputError, RawDocument

__all__ = ["DEFAULT_MAX_BYTES", "describe_failure", "iter_inputs"]

DEFAULT_MAX_BYTES = 20_000_000
#: gzip inside gzip deeper than this is refused (real data: one level, two at most)
MAX_GZIP_DEPTH = 4
Item = RawDocument | InputError

log = logging.getLogger(__name__)


def _scrubbed(item: Item) -> Item:
    """``item`` with every text in it encodable: lone surrogates replaced, names escaped."""
    item.source = safe_text(item.source)
    if isinstance(item, InputError):
        item.reason = safe_text(item.reason)
        return item
    replaced = 0
    if isinstance(item.content, str):
        item.content, replaced = scrub_text(item.content)
    if item.url is not None:
        item.url = safe_text(item.url)
    for key, value in list(item.hints.items()):
        if isinstance(value, str):
            item.hints[key], n = scrub_text(value)
            replaced += n
        elif isinstance(value, list):
            cleaned = [scrub_text(v) if isinstance(v, str) else (v, 0) for v in value]
            item.hints[key] = [v for v, _ in cleaned]
            replaced += sum(n for _, n in cleaned)
    if replaced:
        note = f"{replaced} lone surrogate(s) replaced"
        previous = item.hints.get("encoding_note")
        item.hints["encoding_note"] = f"{previous}; {note}" if previous else note
    return item


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def iter_inputs(
    inputs: Iterable[str],
    *,
    timeout: float = 20.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    follow_feed_links: bool = True,
    follow_symlinks: bool = False,
    allow_private_addresses: bool = False,
) -> Iterator[Item]:
    """Walk ``inputs`` (files, folders, URLs, URL lists) and yield documents or errors.

    ``timeout`` bounds each HTTP fetch; ``max_bytes`` bounds any one file, page or
    decompressed stream (WARC archives stream, so only each record is bounded);
    ``follow_feed_links`` fetches the page of a feed item that carries only a teaser;
    ``follow_symlinks`` follows symlinks that lead out of a folder given in ``inputs``
    (otherwise each is reported, not read). A folder is walked once per real file,
    whatever symlinks lead to it; a broken symlink is reported.
    ``timeout`` is each fetch's whole deadline (redirects included). URLs whose host
    resolves to a loopback, private, link-local or other internal address are refused
    unless ``allow_private_addresses`` (cloud metadata addresses always are).
    """
    with Fetcher(timeout=timeout, max_bytes=max_bytes,
                 allow_private=allow_private_addresses) as fetcher:
        reader = _Reader(fetcher, max_bytes, follow_feed_links)
        for item in inputs:
            if is_url(item):
                yield from reader.url(item)
                continue
            path = Path(item)
            name = path_text(item)
            try:
                if not path.exists():
                    yield InputError(name, "broken symlink" if path.is_symlink()
                                     else "no such file or directory")
                    continue
                for entry in walk(path, follow_symlinks=follow_symlinks):
                    if isinstance(entry, Skipped):
                        yield InputError(path_text(entry.path), entry.reason)
                    else:
                        yield from reader.file(entry)
            except Exception as exc:  # walking a folder failed: the other inputs go on
                log.debug("walking %s failed", name, exc_info=True)
                yield InputError(name, f"cannot read: {describe_failure(exc)}")


class _Reader:
    def __init__(self, fetcher: Fetcher, max_bytes: int, follow_feed_links: bool) -> None:
        self.fetcher = fetcher
        self.max_bytes = max_bytes
        self.follow = follow_feed_links

    def file(self, path: Path) -> Iterator[Item]:
        source = path_text(path)
        yield from _guarded(source, self._file(path, source), "no articles in this file")

    def _file(self, path: Path, source: str) -> Iterator[Item]:
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
            yield from self._gzip_file(path, source)
            return
        yield from self.data(source, read_limited(path, self.max_bytes))

    def _gzip_file(self, path: Path, source: str) -> Iterator[Item]:
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
        yield from self.data(source, gunzip(compressed, self.max_bytes), depth=1)

    def data(self, source: str, data: bytes, *, url: str | None = None,
             charset: str | None = None, depth: int = 0) -> Iterator[Item]:
        """Documents from bytes whose format is not known yet (``depth``: gzip layers
        already taken off)."""
        if not data.strip():
            yield InputError(source, "empty" if url is None else "empty response")
            return
        kind = sniff(data)
        utf16 = bomless_utf16(data) if kind == "binary" and not known_binary(data) else None
        if utf16:  # every later step reads bytes as UTF-8: give it what it reads
            data = data.decode(utf16, errors="replace").encode("utf-8")
            charset = "utf-8"
            kind = sniff(data)
        if kind == "binary":
            yield InputError(source, f"binary file ({binary_kind(data[:65536])}), not text")
        elif kind == "gzip":
            if depth >= MAX_GZIP_DEPTH:
                yield InputError(source, f"gzip nested more than {MAX_GZIP_DEPTH} levels deep "
                                         f"(gzip inside gzip): refused")
                return
            yield from self.data(source, gunzip(data, self.max_bytes), url=url,
                                 charset=charset, depth=depth + 1)
        elif kind == "warc":
            yield from parse_warc(source, io.BytesIO(data), total_size=len(data),
                                  max_bytes=self.max_bytes)
        elif kind in ("json", "jsonl"):
            try:
                yield from parse_json(source, data)
            except NotJSON:  # "[NFL] Which team won...": text that opens with a bracket
                yield self._text(source, data, url, charset)
        elif kind == "feed":
            yield from parse_feed(source, data, fetch=self.url if self.follow else None)
        elif kind == "urls":
            for line in data.decode("utf-8-sig", errors="replace").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):  # blank and comment lines
                    yield from self.url(line)
        elif kind == "html":
            yield RawDocument(source=source, content=data, media_type="html", url=url,
                              hints={"charset": charset} if charset else {})
        else:
            yield self._text(source, data, url, charset)

    @staticmethod
    def _text(source: str, data: bytes, url: str | None, charset: str | None) -> RawDocument:
        text, note = decode_text(data, charset)
        hints = {"encoding_note": note} if note else {}
        return RawDocument(source=source, content=text, media_type="text", url=url,
                           hints=hints)

    def url(self, url: str) -> Iterator[Item]:
        yield from _guarded(url, self._url(url), "no articles in this response")

    def _url(self, url: str) -> Iterator[Item]:
        body, final_url, charset = self.fetcher.get(url)
        yield from self.data(url, body, url=final_url, charset=charset)


def _guarded(source: str, items: Iterator[Item], nothing: str) -> Iterator[Item]:
    """``items``, made safe; any failure is ``source``'s reason, and so is yielding nothing.

    The safety net under every reader: whatever one input raises (a parser bug, a
    file built to crash one), the other inputs are still read.
    """
    count = 0
    try:
        for item in items:
            count += 1
            yield _scrubbed(item)
    except ReadError as exc:
        count += 1
        yield InputError(source, safe_text(str(exc)))
    except OSError as exc:
        count += 1
        yield InputError(source, f"cannot read: {safe_text(str(exc.strerror or exc))}")
    except Exception as exc:
        count += 1
        log.debug("reading %s failed", source, exc_info=True)
        yield InputError(source, f"cannot read: {describe_failure(exc)}")
    if not count:
        yield InputError(source, nothing)
