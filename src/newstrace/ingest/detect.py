"""Recognise an input's format from its first bytes, not its file name.

    >>> sniff(b"WARC/1.0\\r\\nWARC-Type: warcinfo")
    'warc'
    >>> sniff(b'{"title": "x", "text": "y"}\\n{"title": "z", "text": "w"}\\n')
    'jsonl'
    >>> sniff(b"<?xml version='1.0'?><rss version='2.0'><channel>")
    'feed'
    >>> sniff(b"<!DOCTYPE html><html><body><p>Hi</p></body></html>")
    'html'
    >>> sniff(b"https://a.example/1\\nhttps://b.example/2\\n")
    'urls'
    >>> sniff(b"Headline\\n\\nSome article text.")
    'text'
"""

from __future__ import annotations

import json
import re
from typing import Literal

Format = Literal["gzip", "warc", "json", "jsonl", "feed", "html", "urls", "text", "binary"]

# Magic numbers of formats that are never articles: say what the file is.
_MAGIC = {
    b"%PDF": "PDF document",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"PK\x03\x04": "ZIP archive",
    b"\x7fELF": "executable",
    b"SQLite format 3": "SQLite database",
    b"BZh": "bzip2 archive",
    b"\xfd7zXZ": "xz archive",
    b"(\xb5/\xfd": "zstd archive",
}
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_URL_LINE = re.compile(rb"^\s*https?://\S+\s*$")
_FEED = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.I)
_HTML = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.I)
_TAG = re.compile(rb"</?(p|div|span|a|br|h[1-6]|article|section|meta|title)[\s>/]", re.I)


#: control bytes other than tab, newline, form feed, CR and escape
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def known_binary(head: bytes) -> bool:
    """Whether ``head`` opens with the magic number of a binary format (PDF, PNG, ...).

    >>> known_binary(b"%PDF-1.7"), known_binary(b"Hello")
    (True, False)
    """
    return head.startswith(tuple(_MAGIC))


def binary_kind(head: bytes) -> str | None:
    """Name the binary format of ``head``, or None when it looks like text.

    >>> binary_kind(b"%PDF-1.7")
    'PDF document'
    >>> binary_kind("Grüße".encode("utf-16"))  # a BOM: text, not binary
    """
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            return name
    if head.startswith(_BOMS[1:]):
        return None
    sample = head[:8192]
    if b"\x00" in sample:
        return "binary data (NUL bytes)"
    # control bytes other than tab/newline/CR/form feed/escape are rare in any text
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))  # C speed
    if sample and controls / len(sample) > 0.05:
        return "binary data (control bytes)"
    return None


def bomless_utf16(data: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when ``data`` is UTF-16 text without a byte-order
    mark, else None.

    Such text is full of NUL bytes, all on one side of each byte pair (the high byte of
    every ASCII character: spaces, digits, punctuation, Latin letters), which binary data
    rarely is; it must then decode with hardly a control character.

    >>> bomless_utf16("China denied it.".encode("utf-16-le"))
    'utf-16-le'
    >>> bomless_utf16("Песков сказал: «Нет».".encode("utf-16-be"))
    'utf-16-be'
    >>> bomless_utf16(bytes(range(256)) * 4) is None
    True
    """
    sample = data[:8192]
    sample = sample[: len(sample) // 2 * 2]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    half = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 0.1 * half and even <= 0.01 * half:
        encoding = "utf-16-le"
    elif even >= 0.1 * half and odd <= 0.01 * half:
        encoding = "utf-16-be"
    else:
        return None
    text = sample.decode(encoding, errors="replace")  # the sample may cut a pair in two
    controls = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f")
                   or ch == "\ufffd")
    return encoding if controls <= max(1, len(text) // 100) else None


def sniff(data: bytes) -> Format:
    """The format of ``data`` (give at least the first 64 KiB)."""
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    head = data[:65536]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom):]
            break
    stripped = head.lstrip()
    if stripped.startswith(b"WARC/"):
        return "warc"
    if binary_kind(data[:65536]):
        return "binary"
    if stripped[:1] in (b"{", b"["):
        return _json_kind(stripped)
    if stripped.startswith(b"<?xml") or stripped[:1] == b"<":
        prefix = stripped[:4096]
        if _FEED.search(prefix) and not re.search(rb"<html[\s>]", prefix, re.I):
            return "feed"
        if _HTML.search(prefix) or len(_TAG.findall(stripped[:65536])) >= 3:
            return "html"
    lines = [line for line in stripped.splitlines()
             if line.strip() and not line.strip().startswith(b"#")]
    if lines and all(_URL_LINE.match(line) for line in lines[:200]):
        return "urls"
    if _HTML.search(stripped[:4096]) or len(_TAG.findall(stripped[:65536])) >= 10:
        return "html"
    return "text"


def _json_kind(stripped: bytes) -> Format:
    if stripped[:1] == b"[":
        return "json"
    first, _, rest = stripped.partition(b"\n")
    if rest.strip().startswith(b"{"):
        try:
            json.loads(first)
            return "jsonl"  # a whole object on the first line, another line follows
        except (ValueError, RecursionError):  # malformed, a huge number, nested too deeply
            return "json"
    return "json"
