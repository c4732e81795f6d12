"""WARC archives (as in Common Crawl's CC-NEWS): HTML responses become documents.

Truncated archives are common (an interrupted download): every whole record is
read, and the truncation itself is reported as an error for that archive.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from newstrace.ingest.detect import sniff
from newstrace.records import InputError, RawDocument

ARTICLE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def parse_warc(source: str, stream: IO[bytes], *, total_size: int | None, max_bytes: int
               ) -> Iterator[RawDocument | InputError]:
    """Documents from the ``response`` (and ``resource``) records of a WARC stream."""
    records = 0
    end = 0
    iterator = ArchiveIterator(stream)
    try:
        for record in iterator:
            if record.rec_type not in ("response", "resource"):
                iterator.read_to_end(record)
                end = iterator.get_record_offset() + iterator.get_record_length()
                continue
            doc = _record_document(source, record, max_bytes)
            truncated = getattr(record.raw_stream, "limit", 0) > 0
            iterator.read_to_end(record)
            end = iterator.get_record_offset() + iterator.get_record_length()
            if truncated:
                yield InputError(source, f"truncated WARC: record {records + 1} is cut short "
                                         f"after {records} whole record(s)")
                return
            records += 1
            if doc is not None:
                yield doc
    except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
        yield InputError(source, f"corrupt or truncated WARC after {records} record(s): {exc}")
        return
    if total_size is not None and end < total_size:
        stream.seek(end)
        if stream.read(4096).strip(b"\r\n\x00"):
            yield InputError(source, f"truncated WARC: unreadable data after {records} "
                                     f"whole record(s)")


def _record_document(source: str, record: Any, max_bytes: int) -> RawDocument | None:
    headers = record.http_headers
    content_type = (headers.get_header("Content-Type") if headers else None) or ""
    if record.rec_type == "response" and headers is not None:
        status = headers.get_statuscode() or ""
        if not status.startswith("2"):
            return None
    body = record.content_stream().read(max_bytes + 1)
    if len(body) > max_bytes or not body.strip():
        return None
    kind = sniff(body)
    if content_type and not content_type.startswith(ARTICLE_TYPES) and kind not in ("html",):
        return None  # images, scripts, robots.txt...
    if kind not in ("html", "text"):
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")
    record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
    hints = {}
    fetched = record.rec_headers.get_header("WARC-Date")
    if fetched:
        hints["fetched"] = fetched
    return RawDocument(source=f"{source}#record-{record_id.strip('<>')}", content=body,
                       media_type="html" if kind == "html" else "text", url=url, hints=hints)
