"""A tree of hostile inputs beside good articles, for the probe suite and its benchmark.

    python -m tests.hostile.generator OUT_DIR [--size 10]

``size`` is how many inputs of each family are made (each family builds malformed,
truncated, oversized, deeply nested, mis-encoded or misleading inputs of one kind,
from a seeded generator: the same tree every time). Every folder also holds one good
article whose text is unique, so a probe can check that each was stored. No input
names a host other than 127.0.0.1 (links point at its discard port), so ingesting the
tree sends no traffic off this machine.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

#: links in feeds: loopback's discard port (refused, or never fetched)
LOCAL_URL = "http://127.0.0.1:9/article"


def good_text(n: int) -> str:
    """A valid article, different for every ``n``."""
    return (f"Council approves bridge number {n}\n\nThe city council approved river bridge "
            f"number {n} on Tuesday, officials said. Construction of bridge {n} is expected "
            f"to start next spring and to last two years, according to the mayor's office.\n")


def good_sentence(text: str) -> str:
    """The words of a :func:`good_text` that only it holds: found in a store, it was kept."""
    return text.split("\n\n", 1)[1].split(".")[0]


def _article_json(rng: random.Random) -> dict[str, object]:
    words = " ".join(rng.choice(["talks", "minister", "said", "Monday", "border", "trade"])
                     for _ in range(60))
    return {"title": f"Story {rng.randrange(10**6)}", "text": f"The minister said {words}."}


def _html(rng: random.Random) -> str:
    n = rng.randrange(10**9)  # every page its own text: no input is another's duplicate
    return (f"<html><head><title>Page {n}</title></head><body><p>The minister said on "
            f"Monday that talks number {n} would go on, aides said.</p></body></html>")


def _warc_record(rec_type: str, headers: list[str], block: bytes) -> bytes:
    head = ["WARC/1.0", f"WARC-Type: {rec_type}", *headers, f"Content-Length: {len(block)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


def _warc(rng: random.Random, pages: int = 2) -> bytes:
    out = b""
    for n in range(pages):
        html = _html(rng).encode()
        http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"
                % len(html))
        out += _warc_record("response", [f"WARC-Record-ID: <urn:uuid:{rng.randrange(10**9)}>",
                                         f"WARC-Target-URI: {LOCAL_URL}/{n}",
                                         "WARC-Date: 2024-03-01T10:00:00Z",
                                         "Content-Type: application/http; msgtype=response"],
                            http + html)
    return out


def _flip(rng: random.Random, data: bytes, flips: int) -> bytes:
    mutable = bytearray(data)
    for _ in range(flips):
        mutable[rng.randrange(len(mutable))] = rng.randrange(256)
    return bytes(mutable)


def _cut(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(1, max(2, len(data)))]


# -- the families: each gives (file name, content) for input number i -------------------
Family = Callable[[random.Random, int], tuple[str, bytes]]


def deep_json(rng: random.Random, i: int) -> tuple[str, bytes]:
    depth = rng.randrange(500, 5000)
    opener = rng.choice([b"[", b'{"a":'])
    return f"deep{i}.json", opener * depth + (b"]" if opener == b"[" else b"}") * depth


def big_integer(rng: random.Random, i: int) -> tuple[str, bytes]:
    digits = str(rng.randrange(1, 10)).encode() * rng.randrange(4301, 20000)
    record = json.dumps(_article_json(rng))[:-1].encode() + b', "views": ' + digits + b"}"
    return f"big{i}.json", record


def truncated_json(rng: random.Random, i: int) -> tuple[str, bytes]:
    whole = json.dumps([_article_json(rng) for _ in range(3)]).encode()
    return f"cut{i}.json", _cut(rng, whole)


def odd_json(rng: random.Random, i: int) -> tuple[str, bytes]:
    surrogate = b'[{"text": "\\ud800 lone surrogate %d, the agency reported today."}]' % i
    content = rng.choice([b"[]", b"{}", b"null", b'"just a string %d"' % i, b"42",
                          b'{"articles": []}', surrogate, b'{"text": ' + b'"x' * 1000 + b"}",
                          b"[" + b"1," * 10000 + b"1]"])
    return f"odd{i}.json", content


def nested_gzip(rng: random.Random, i: int) -> tuple[str, bytes]:
    data = good_text(10_000 + i).encode()
    for _ in range(rng.randrange(5, 300)):
        data = gzip.compress(data, compresslevel=1, mtime=0)
    return f"deep{i}.txt.gz", data


def broken_gzip(rng: random.Random, i: int) -> tuple[str, bytes]:
    data = gzip.compress(good_text(20_000 + i).encode() * 20, mtime=0)
    return f"broken{i}.gz", rng.choice([_cut(rng, data), _flip(rng, data, 3)])


def broken_warc(rng: random.Random, i: int) -> tuple[str, bytes]:
    archive = _warc(rng, 3)
    kind = i % 5
    if kind == 0:
        content = _cut(rng, archive)
    elif kind == 1:
        content = _flip(rng, archive, 5)
    elif kind == 2:
        content = archive.replace(b"WARC-Target-URI", b"X-Gone", 1)
    elif kind == 3:
        content = b"WARC/1.0\r\n" + rng.randbytes(2000)
    else:
        content = gzip.compress(archive, mtime=0)[:-rng.randrange(1, 40)]
    return f"broken{i}.warc", content


def hostile_html(rng: random.Random, i: int) -> tuple[str, bytes]:
    kind = i % 4
    if kind == 0:  # one tag of very many attributes
        crowd = " ".join(f'data-a{n}="v"' for n in range(rng.randrange(20_000, 60_000)))
        page = (f"<html><body><p {crowd}>The minister said talks {i} would go on.</p>"
                "</body></html>")
    elif kind == 1:  # very deep nesting
        depth = rng.randrange(5_000, 50_000)
        page = "<html><body>" + "<div>" * depth + f"Minister {i} spoke." + "</div>" * depth
    elif kind == 2:  # unclosed everything
        page = "<html><body>" + "<p><b><i><a href='x'>" * rng.randrange(1000, 10000)
    else:  # a huge comment and script
        page = ("<html><body><!--" + "x" * rng.randrange(10**5, 10**6) + "--><script>"
                + "var a=1;" * 10000 + "</script><p>Short text.</p></body></html>")
    return f"hostile{i}.html", page.encode()


def xml_bombs(rng: random.Random, i: int) -> tuple[str, bytes]:
    if i % 2:
        body = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                + "".join(f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n else "lol"}">'
                          for n in range(1, 10))
                + ']><rss version="2.0"><channel><item><title>&lol9;</title>'
                  f"<link>{LOCAL_URL}</link></item></channel></rss>")
    else:
        body = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                '<rss version="2.0"><channel><item><title>&x;</title><description>Read the'
                f" minister's statement on talks {i}.</description><link>{LOCAL_URL}</link>"
                "</item></channel></rss>")
    return f"bomb{i}.xml", body.encode()


def misencoded(rng: random.Random, i: int) -> tuple[str, bytes]:
    text = good_text(30_000 + i)
    kind = i % 5
    if kind == 0:
        content = text.encode("utf-16-le")
    elif kind == 1:
        content = text.encode("utf-16-be")
    elif kind == 2:
        content = _flip(rng, text.encode(), 10)
    elif kind == 3:
        content = bytes(rng.choice(range(1, 32)) for _ in range(2000))
    else:
        content = rng.randbytes(4000)
    return f"enc{i}.txt", content


def misleading_text(rng: random.Random, i: int) -> tuple[str, bytes]:
    kind = i % 4
    if kind == 0:
        content = f"[NFL] Which team won game {i}?\n\n{good_text(40_000 + i)}"
    elif kind == 1:
        content = "{ not json at all, said the minister " + good_text(50_000 + i)
    elif kind == 2:
        content = "x" * rng.randrange(10**5, 2 * 10**6)  # one very long line
    else:  # opens like markup, is not
        content = f"<3 this story {i}, readers wrote.\n\n" + good_text(70_000 + i)
    return f"mislead{i}.txt", content.encode()


def odd_names(rng: random.Random, i: int) -> tuple[str, bytes]:
    names = [os.fsdecode(b"bad\xff\xfe name %d.txt" % i), f"-dash {i}.txt",
             f"new\nline {i}.txt", "n" * 200 + f"{i}.txt", f"space {i} .txt"]
    return names[i % len(names)], good_text(60_000 + i).encode()


FAMILIES: dict[str, Family] = {f.__name__: f for f in (
    deep_json, big_integer, truncated_json, odd_json, nested_gzip, broken_gzip, broken_warc,
    hostile_html, xml_bombs, misencoded, misleading_text, odd_names)}


@dataclass
class Tree:
    """What was generated: the good articles' texts, the hostile inputs' paths."""

    root: Path
    good: dict[Path, str] = field(default_factory=dict)
    hostile: list[Path] = field(default_factory=list)


def build(root: Path, size: int = 3, seed: int = 20) -> Tree:
    """Write the tree under ``root``: ``size`` inputs of every family, a folder each, and
    the folder-level traps (symlink loops, links out of the tree, empty files)."""
    rng = random.Random(seed)
    tree = Tree(root)
    count = 0
    for family, make in FAMILIES.items():
        for i in range(size):
            folder = root / f"{family}-{i}"
            folder.mkdir(parents=True)
            name, content = make(rng, i)
            (folder / name).write_bytes(content)
            tree.hostile.append(folder / name)
            good = folder / "good.txt"
            good.write_text(good_text(count), encoding="utf-8")
            tree.good[good] = good_text(count)
            count += 1
    traps = root / "traps"
    traps.mkdir()
    (traps / "good.txt").write_text(good_text(count), encoding="utf-8")
    tree.good[traps / "good.txt"] = good_text(count)
    for link, target in (("loop1", "."), ("loop2", "."), ("up", ".."), ("passwd", "/etc/passwd"),
                         ("gone", "nowhere.txt")):
        with contextlib.suppress(OSError):  # no symlinks on this file system: no trap
            os.symlink(target, traps / link)
        if link in ("passwd", "gone"):
            tree.hostile.append(traps / link)
    for name, content in (("empty.txt", b""), ("blank.txt", b" \n\t\n"), ("nul.txt", b"\0" * 64)):
        (traps / name).write_bytes(content)
        tree.hostile.append(traps / name)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", type=int, default=10)
    args = parser.parse_args()
    tree = build(args.out, args.size)
    print(f"{len(tree.hostile)} hostile inputs, {len(tree.good)} good articles in {args.out}")


if __name__ == "__main__":
    main()
