"""Plain-text helpers: decoding bytes and splitting text into blocks and lines.

A *block* is a run of non-empty lines between blank lines (a paragraph in most
news text); lines inside a block are kept apart because pasted web pages often
glue a heading to the paragraph under it with a single newline.

>>> split_blocks("Title\\n\\nFirst line\\nsecond line\\n\\n\\nLast")
[['Title'], ['First line', 'second line'], ['Last']]
"""

from __future__ import annotations

import codecs
import re
import unicodedata

__all__ = ["decode_bytes", "looks_binary", "normalize_text", "split_blocks"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _bom_encoding(data: bytes) -> str | None:
    """Encoding announced by a byte-order mark (UTF-16/32 text is full of NULs)."""
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return name
    return None


#: control bytes other than tab, newline, vertical tab, form feed and CR
_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])


def looks_binary(data: bytes) -> bool:
    """True when a byte string is probably not text (NUL bytes, many controls).

    >>> looks_binary(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00")
    True
    >>> looks_binary("Grüße".encode())
    False
    >>> looks_binary("Grüße".encode("utf-16"))
    False
    """
    sample = data[:4096]
    if not sample or _bom_encoding(data):
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))  # C speed
    return controls / len(sample) > 0.05


def decode_bytes(data: bytes) -> str:
    """Decode bytes: UTF-8 first (the web's default), then charset-normalizer.

    >>> decode_bytes("café".encode("latin-1"))
    'café'
    """
    bom = _bom_encoding(data)
    if bom:
        return data.decode(bom, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if len(data) < 200:
        # Too little evidence for statistical detection: the Windows Latin-1
        # superset is the most common legacy encoding of news pages.
        return data.decode("cp1252", "replace")
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding:
            return data.decode(best.encoding, "replace")
    except Exception:
        pass
    return data.decode("cp1252", "replace")


def normalize_text(text: str) -> str:
    """NFC-normalize, unify newlines, drop control characters and BOMs.

    Non-breaking spaces become plain spaces (they come from HTML ``&nbsp;``).

    >>> normalize_text("a\\u00a0b\\r\\nc\\ufeff")
    'a b\\nc'
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = text.replace("\u00a0", " ").replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _CONTROL.sub("", text)


def split_blocks(text: str) -> list[list[str]]:
    """Split text into blocks (separated by blank lines) of stripped lines."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        stripped = " ".join(line.split())
        if stripped:
            current.append(stripped)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks
