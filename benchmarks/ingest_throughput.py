"""Throughput of ingest + clean + store, end to end, against targets and a baseline.

    python benchmarks/ingest_throughput.py [--html-copies 3] [--text-docs 3000]

Corpora (built in a temporary folder, from ../shared/data):
* HTML: the 200 real pages of dates-mediacloud, each written ``--html-copies`` times
  (a copy number in a trailing comment, so every file is a distinct input);
* text: ECB+ dev article texts (772), cycled to ``--text-docs`` files.

Each is ingested into a fresh SQLite store with ``workers=1`` and ``workers=2``.
The baseline, measured in the same run on the same files, is the bare extractor:
read each file and call ``trafilatura.extract`` (HTML) or split paragraphs and
identify the language (text). Targets (2 cores): 150 HTML and 1,000 text articles/s.
"""

from __future__ import annotations

import argparse
import json
import tarfile
import tempfile
import time
from pathlib import Path

import py3langid
import trafilatura

from newstrace.pipeline import ingest
from newstrace.store import Store

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def build_html(folder: Path, copies: int) -> list[Path]:
    files = []
    with tarfile.open(DATA / "dates-mediacloud" / "pages.tar.gz") as tar:
        pages = [(m.name, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile()]
    for copy in range(copies):
        for name, body in pages:
            path = folder / f"{copy}_{Path(name).name}"
            path.write_bytes(body + f"\n<!-- copy {copy} -->".encode())
            files.append(path)
    return files


def build_text(folder: Path, count: int) -> list[Path]:
    texts = [json.loads(line)["text"] for line in
             (DATA / "ecbplus" / "dev.jsonl").read_text().splitlines() if line.strip()]
    files = []
    for n in range(count):
        path = folder / f"{n:05d}.txt"
        path.write_text(texts[n % len(texts)] + f"\n\n(copy {n})\n")
        files.append(path)
    return files


def baseline(files: list[Path], kind: str) -> float:
    start = time.perf_counter()
    for path in files:
        if kind == "html":
            trafilatura.extract(path.read_bytes())
        else:
            text = path.read_text()
            [p for p in text.split("\n\n") if p.strip()]
            py3langid.classify(text)
    return len(files) / (time.perf_counter() - start)


def measure(folder: Path, files: list[Path], workers: int, extractor: str = "trafilatura"
            ) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp, Store.open(str(Path(tmp) / "b.db")) as store:
        start = time.perf_counter()
        summary = ingest([str(folder)], store, workers=workers, batch_size=200,
                         html_extractor=extractor)
        elapsed = time.perf_counter() - start
    return len(files) / elapsed, len(summary.errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--html-copies", type=int, default=3)
    parser.add_argument("--text-docs", type=int, default=3000)
    args = parser.parse_args()
    targets = {"html": 150, "text": 1000}
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for kind, build, size in (("html", build_html, args.html_copies),
                                  ("text", build_text, args.text_docs)):
            folder = Path(tmp) / kind
            folder.mkdir()
            files = build(folder, size)
            base = baseline(files, kind)
            modes = ("trafilatura", "resiliparse") if kind == "html" else ("trafilatura",)
            for extractor in modes:
                for workers in (1, 2):
                    rate, errors = measure(folder, files, workers, extractor)
                    name = kind if extractor == "trafilatura" else "html --fast-html"
                    rows.append((name, len(files), workers, rate, base, errors, targets[kind]))
    print(f"{'corpus':<16} {'docs':>5} {'workers':>7} {'art/s':>8} {'baseline/s':>10} "
          f"{'ratio':>6} {'skipped':>7} {'target':>6}  met")
    for kind, docs, workers, rate, base, errors, target in rows:
        print(f"{kind:<16} {docs:>5} {workers:>7} {rate:>8.1f} {base:>10.1f} "
              f"{rate / base:>6.2f} {errors:>7} {target:>6}  {'yes' if rate >= target else 'NO'}")


if __name__ == "__main__":
    main()
