"""WARC archives (as in Common Crawl's CC-NEWS): HTML responses become documents.

Truncated archives are common (an interrupted download): every whole record is
read, and the truncation itself is reported as an error for that archive. A
record that cannot be read (bad HTTP headers, a missing target URI, a broken
content encoding) is reported on its own and the records after it are still
read; an archive with no article record at all says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParser

from newstrace.ingest.detect import sniff
from newstrace.ingest.files import describe_failure
from newstrace.records import InputError, RawDocument

ARTICLE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
#: the HTTP headers of each record are parsed here, one record at a time, so that a
#: bad one (warcio itself fails on a response without ``WARC-Target-URI``) is skipped
_HTTP = StatusAndHeadersParser(["HTTP/1.0", "HTTP/1.1"], verify=False)


def parse_warc(source: str, stream: IO[bytes], *, total_size: int | None, max_bytes: int
               ) -> Iterator[RawDocument | InputError]:
    """Documents from the ``response`` (and ``resource``) records of a WARC stream."""
    records = 0
    end = 0
    yielded = 0
    skipped: Counter[str] = Counter()
    iterator = ArchiveIterator(stream, no_record_parse=True)
    try:
        for record in iterator:
            doc: RawDocument | InputError | None = None
            article_type = record.rec_type in ("response", "resource")
            if article_type and record.length is not None:
                try:
                    doc = _record_document(source, record, max_bytes)
                except Exception as exc:  # this record only: the next ones are still read
                    record_id = _record_id(record) or f"{records + 1}"
                    doc = InputError(f"{source}#record-{record_id}", f"unreadable WARC "
                                     f"record {records + 1}: {describe_failure(exc)}")
            iterator.read_to_end(record)
            # no length (its header was cut), or its block ended before that length
            truncated = record.length is None or getattr(record.raw_stream, "limit", 0) > 0
            end = iterator.get_record_offset() + iterator.get_record_length()
            if truncated:
                yield InputError(source, f"truncated WARC: record {records + 1} is cut short "
                                         f"after {records} whole record(s)")
                return
            records += 1
            if doc is None:
                skipped[("non-article " if article_type else "")
                        + str(record.rec_type or "untyped")] += 1
            else:
                yielded += 1
                yield doc
    except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
        yield InputError(source, f"corrupt or truncated WARC after {records} record(s): "
                                 f"{str(exc).strip()[:200]}")
        return
    if total_size is not None and end < total_size:
        stream.seek(end)
        if stream.read(4096).strip(b"\r\n\x00"):
            yield InputError(source, f"truncated WARC: unreadable data after {records} "
                                     f"whole record(s)")
            return
    if not yielded:
        what = ", ".join(f"{n} {kind}" for kind, n in sorted(skipped.items())) or "none"
        yield InputError(source, f"no articles in WARC archive: {records} record(s) ({what}), "
                                 f"none an HTML or text page")


def _record_id(record: Any) -> str:
    return (record.rec_headers.get_header("WARC-Record-ID") or "").strip().strip("<>")


def _record_document(source: str, record: Any, max_bytes: int
                     ) -> RawDocument | InputError | None:
    if record.rec_type == "response" and record.length:
        record.http_headers = _HTTP.parse(record.raw_stream)  # content_stream() decodes by it
    headers = record.http_headers
    content_type = (headers.get_header("Content-Type") if headers else None) or ""
    if record.rec_type == "response" and headers is not None:
        status = headers.get_statuscode() or ""
        if not status.startswith("2"):
            return None
    body = record.content_stream().read(max_bytes + 1)
    if len(body) > max_bytes:  # this page only: the records after it are still read
        return InputError(f"{source}#record-{_record_id(record)}",
                          f"WARC record over the {max_bytes:,}-byte limit "
                          f"({record.length:,} bytes with its headers): skipped")
    if not body.strip():
        return None
    kind = sniff(body)
    if content_type and not content_type.startswith(ARTICLE_TYPES) and kind not in ("html",):
        return None  # images, scripts, robots.txt...
    if kind not in ("html", "text"):
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")
    hints = {}
    # when the crawler fetched the page (the WARC's date, else the server's HTTP Date),
    # and the server's Last-Modified: a publication date's upper bound and last resort
    fetched = record.rec_headers.get_header("WARC-Date") or (
        headers.get_header("Date") if headers else None)
    if fetched:
        hints["fetched"] = fetched
    modified = headers.get_header("Last-Modified") if headers else None
    if modified:
        hints["last_modified"] = modified
    return RawDocument(source=f"{source}#record-{_record_id(record)}", content=body,
                       media_type="html" if kind == "html" else "text", url=url, hints=hints)
