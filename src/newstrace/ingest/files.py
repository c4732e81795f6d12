"""Walk folders, read files within a size limit, decode text robustly."""

from __future__ import annotations

import codecs
import errno
import gzip
import os
import re
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

MB = 1_000_000


class ReadError(ValueError):
    """A file or stream that cannot be read as an article source; the message says why."""


_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_text(text: str) -> str:
    """A name (path, source) with its undecodable bytes shown as ``\\xff`` escapes.

    A file name that is not UTF-8 reaches Python with its bad bytes as surrogate
    escapes (``os.fsdecode``), which can be neither printed nor stored; the
    escapes are the same on every run, so the name is matched again on a rerun.
    Any other lone surrogate becomes U+FFFD.

    >>> safe_text(os.fsdecode(b"bad\\xff.txt"))
    'bad\\\\xff.txt'
    """
    if not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(_escape_surrogate, text)


def _escape_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of a file name
        return f"\\x{code - 0xDC00:02x}"
    return "\ufffd"


def describe_failure(exc: BaseException) -> str:
    """A short reason for an unexpected exception: its type and the first line of its text.

    >>> describe_failure(ValueError("bad value\\nmore lines"))
    'ValueError: bad value'
    """
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    text = safe_text(str(exc)).strip()
    first = text.splitlines()[0] if text else ""
    if len(first) > 160:
        first = first[:157] + "..."
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def scrub_text(text: str) -> tuple[str, int]:
    """Article text with lone surrogates (a JSON ``\\ud800`` escape) replaced by U+FFFD,
    and how many there were: such text cannot be encoded, cleaned or stored.

    >>> scrub_text("ok \\ud800")[1]
    1
    """
    if not _SURROGATE.search(text):
        return text, 0
    return _SURROGATE.subn("\ufffd", text)


def path_text(path: Path | str) -> str:
    """A path as text that can be printed and stored, whatever bytes its name holds."""
    return safe_text(os.fsdecode(path))


@dataclass(frozen=True)
class Skipped:
    """An entry :func:`walk` did not follow, and why (a broken symlink, one leaving the folder)."""

    path: Path
    reason: str


def walk(path: Path, *, follow_symlinks: bool = False) -> Iterator[Path | Skipped]:
    """Files under ``path`` in a stable order; hidden files and folders are skipped.

    Each real file is yielded once, however many symlinks (or hard links) lead to
    it, and symlink loops end. A symlink whose target lies inside ``path`` is not
    followed: the walk reaches the target by its own name (unless it is hidden).
    A symlink leaving ``path`` is yielded as a :class:`Skipped` with its reason,
    unless ``follow_symlinks``; so is a broken one. ``path`` itself may be a
    symlink: the user named it.

    >>> list(walk(Path("/nonexistent")))
    []
    """
    if path.is_file():
        yield path
        return
    if not path.is_dir():
        return
    try:
        root = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return
    walker = _Walker(path, root, follow_symlinks)
    yield from walker.folder(path, root)


def _identity(path: Path, st: os.stat_result) -> tuple[int, int] | str:
    """What makes a file or folder the same one: device and inode where there are any."""
    return (st.st_dev, st.st_ino) if st.st_ino else str(path)


class _Walker:
    def __init__(self, given: Path, root: Path, follow_symlinks: bool) -> None:
        self.given = given
        self.root = root
        self.follow = follow_symlinks
        self.seen: set[tuple[int, int] | str] = set()  # folders and files met already

    def folder(self, path: Path, real: Path) -> Iterator[Path | Skipped]:
        try:
            key = _identity(real, real.stat())
        except OSError:
            return
        if key in self.seen:  # a loop, or a folder reached twice
            return
        self.seen.add(key)
        try:
            children = sorted(path.iterdir())
        except OSError:  # an unreadable folder: nothing under it can be read either
            return
        for child in children:
            if child.name.startswith("."):
                continue
            if child.is_symlink():
                yield from self.link(child)
                continue
            try:
                st = child.stat()
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                yield from self.folder(child, real / child.name)
            elif stat.S_ISREG(st.st_mode):
                yield from self.file(child, real / child.name, st)

    def file(self, path: Path, real: Path, st: os.stat_result) -> Iterator[Path]:
        key = _identity(real, st)
        if key not in self.seen:
            self.seen.add(key)
            yield path

    def link(self, link: Path) -> Iterator[Path | Skipped]:
        try:
            target = link.resolve(strict=True)
            st = target.stat()
        except FileNotFoundError:
            yield Skipped(link, "broken symlink")
            return
        except RuntimeError:  # Python < 3.13: "Symlink loop from ..."
            yield Skipped(link, "broken symlink (a loop of links)")
            return
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                yield Skipped(link, "broken symlink (a loop of links)")
            else:
                yield Skipped(link, f"cannot read: {exc.strerror or exc}")
            return
        if target.is_relative_to(self.root):
            inside = target.relative_to(self.root).parts
            if not any(part.startswith(".") for part in inside):
                return  # the walk reaches it under its own name
        elif not self.follow:
            yield Skipped(link, f"symlink to a path outside {path_text(self.given)}: "
                                f"not followed (use --follow-symlinks)")
            return
        if stat.S_ISDIR(st.st_mode):
            yield from self.folder(link, target)
        elif stat.S_ISREG(st.st_mode):
            yield from self.file(link, target, st)


def too_large(size: int, limit: int) -> str:
    return f"{size / MB:.1f} MB, over the {limit / MB:g} MB limit"


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of ``path``; a file over ``limit`` is refused without being read."""
    size = path.stat().st_size
    if size > limit:
        raise ReadError(f"file is {too_large(size, limit)}")
    return path.read_bytes()


def gunzip(data: bytes, limit: int) -> bytes:
    """Decompress gzip ``data`` (all members), refusing output over ``limit``.

    >>> gunzip(gzip.compress(b"hello"), 100)
    b'hello'
    """
    out = bytearray()
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    remaining = data
    while remaining:
        try:
            chunk = decompressor.decompress(remaining, limit + 1 - len(out))
        except zlib.error as exc:
            raise ReadError(f"corrupt gzip stream: {exc}") from exc
        out += chunk
        if len(out) > limit:
            raise ReadError(f"decompressed size is over the {limit / MB:g} MB limit")
        if decompressor.unconsumed_tail:
            remaining = decompressor.unconsumed_tail
            continue
        if decompressor.eof:
            remaining = decompressor.unused_data
            if remaining.strip(b"\x00"):
                decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)  # next member
                continue
            break
        raise ReadError(
            f"truncated gzip stream: ended after {len(out)} bytes of output, before its end marker"
        )
    return bytes(out)


def open_gzip(path: Path) -> gzip.GzipFile:
    return gzip.open(path, "rb")  # type: ignore[return-value]


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """Decode ``data`` to text; returns the text and a note when the encoding was repaired.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are taken as they are; a
    declared charset is tried next; a few invalid bytes in otherwise valid UTF-8
    are replaced (and noted); anything else goes to charset-normalizer, and data
    it cannot make sense of is refused.

    >>> decode_text("Grüße".encode("utf-8"))
    ('Grüße', None)
    >>> decode_text("café".encode("cp1252"))[0]
    'café'
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared), None
        except (UnicodeDecodeError, LookupError):
            pass
    repaired = data.decode("utf-8", errors="replace")
    bad = repaired.count("\ufffd")
    valid_multibyte = sum(1 for ch in repaired if ord(ch) > 127 and ch != "\ufffd")
    if valid_multibyte and bad <= max(3, len(repaired) // 200):
        # real UTF-8 with a few broken bytes (a bad copy-paste, a cut mid-character)
        return repaired, f"{bad} invalid UTF-8 byte sequence(s) replaced"
    if len(data) < 200:
        # too short for a statistical guess: the commonest legacy encoding of the web
        try:
            return data.decode("cp1252"), "decoded as Windows-1252 (too short to detect)"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "decoded as Latin-1 (too short to detect)"
    best = from_bytes(data).best()
    if best is None or best.chaos > 0.5:
        raise ReadError("undecodable text: not UTF-8 and no known encoding fits")
    return str(best), None
