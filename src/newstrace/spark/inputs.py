"""The job's inputs: which files to read (on the driver), and reading one (in a task).

    >>> is_manifest("crawl-data/CC-NEWS/2024/01/warc.paths.gz"), is_manifest("a.warc.gz")
    (True, False)
    >>> has_scheme("s3a://bucket/a.warc.gz"), has_scheme("data/a.warc.gz")
    (True, False)
    >>> joined("s3a://commoncrawl/", "crawl-data/x.warc.gz")
    's3a://commoncrawl/crawl-data/x.warc.gz'

A local path (no scheme) is read by the task itself, as ``newstrace ingest`` reads
it; any other (``file://``, ``s3a://``, ``hdfs://``...) is read through Spark's Hadoop
file systems, so whatever connectors and credentials the cluster has apply. Every
file is one Spark task, and everything it yields (articles and errors) is numbered
in the order the single-machine ingest would meet it.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from newstrace.ingest import iter_inputs
from newstrace.ingest.files import Skipped, path_text, walk
from newstrace.records import InputError, RawDocument

#: names of manifests: one WARC path a line, as CC-NEWS publishes them
MANIFEST_SUFFIXES = (".paths", ".paths.gz")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_manifest(name: str) -> bool:
    return name.rstrip("/").endswith(MANIFEST_SUFFIXES)


def has_scheme(name: str) -> bool:
    return bool(_SCHEME.match(name))


def joined(prefix: str, path: str) -> str:
    """A manifest line made absolute: a path or URL of its own stays as it is."""
    if has_scheme(path) or path.startswith("/"):
        return path
    return prefix.rstrip("/") + "/" + path.lstrip("/")


def manifest_prefix(manifest: str) -> str:
    """Where a manifest's relative lines point by default: its own folder."""
    if has_scheme(manifest):
        return manifest.rsplit("/", 1)[0]
    return str(Path(manifest).resolve().parent)


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file to read: its place in the job's input order and its name."""

    index: int
    name: str

    @property
    def local(self) -> bool:
        return not has_scheme(self.name)


#: lists a Hadoop URL: the files under it (itself if a file), sorted; raises if missing
ListFn = Callable[[str], list[str]]
#: reads a text file through Spark (a manifest, gzip or not): its lines
LinesFn = Callable[[str], list[str]]


def expand(inputs: Sequence[str], *, list_url: ListFn, read_lines: LinesFn,
           prefix: str | None = None) -> tuple[list[InputFile], list[InputError]]:
    """The files of ``inputs`` in input order (folders walked as ``ingest`` walks them,
    manifests replaced by their lines), and the inputs that could not be listed."""
    names: list[str] = []
    errors: list[InputError] = []
    for item in inputs:
        if is_manifest(item):
            try:
                lines = read_lines(item)
            except Exception as exc:
                errors.append(InputError(item, f"cannot read manifest: {_first_line(exc)}"))
                continue
            base = prefix or manifest_prefix(item)
            wanted = [joined(base, line.strip()) for line in lines
                      if line.strip() and not line.strip().startswith("#")]
            if not wanted:
                errors.append(InputError(item, "empty manifest"))
            names.extend(wanted)
        elif has_scheme(item):
            try:
                names.extend(list_url(item))
            except Exception as exc:
                errors.append(InputError(item, f"cannot list: {_first_line(exc)}"))
        else:
            path = Path(item)
            if not path.exists():
                errors.append(InputError(path_text(item), "broken symlink" if path.is_symlink()
                                         else "no such file or directory"))
                continue
            for entry in walk(path):
                if isinstance(entry, Skipped):
                    errors.append(InputError(path_text(entry.path), entry.reason))
                else:
                    names.append(path_text(entry))
    return [InputFile(n, name) for n, name in enumerate(names)], errors


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


# -- in a task ----------------------------------------------------------------------------------
def read_file(name: str, content: bytes | None = None
              ) -> Iterator[RawDocument | InputError]:
    """The documents and errors of one input file, as ``newstrace ingest`` reads it.

    ``content`` is the file's bytes when Spark read it (a Hadoop URL): they are
    spooled to a local temporary file, read there, and every source is named by
    the URL.
    """
    if content is None:
        yield from iter_inputs([name])
        return
    suffix = "".join(Path(name.rsplit("/", 1)[-1]).suffixes)[-20:]
    handle, tmp = tempfile.mkstemp(prefix="newstrace-", suffix=suffix,
                                   dir=os.environ.get("SPARK_LOCAL_DIRS", "").split(",")[0]
                                   or None)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        for item in iter_inputs([tmp]):
            if item.source.startswith(tmp):
                item.source = name + item.source[len(tmp):]
            if isinstance(item, InputError) and tmp in item.reason:
                item.reason = item.reason.replace(tmp, name)
            yield item
    finally:
        os.unlink(tmp)
