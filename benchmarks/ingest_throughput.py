"""Throughput of ingest + clean + store, end to end, against targets and a baseline.

    python benchmarks/ingest_throughput.py [--html-copies 10] [--text-docs 3000]
                                           [--large 3] [--repeats 1]

What is timed is the command a user runs, ``newstrace ingest DIR --db NEW.db --quiet
--workers N [--fast-html]``, as a fresh process: interpreter start, imports, worker
start-up and every model's first load included (an earlier version timed ``ingest()``
in a process warmed by earlier runs, and forked its workers from it: that overstated
the 2-worker HTML rate by ~60 %).

Corpora (built in a temporary folder, from ../shared/data):
* HTML: the 200 real pages of dates-mediacloud, each written ``--html-copies`` times
  (default 10: 2,000 files; a copy number in a trailing comment makes every file a
  distinct input);
* text: ECB+ dev article texts (772), cycled to ``--text-docs`` files (default 3,000).

Two figures per configuration:
* ``total/s``: files / wall time of the whole command on that corpus;
* ``steady/s`` (2 workers): the marginal rate between that corpus and one ``--large``
  times bigger, (large - small) files / (large - small) seconds: the rate of a bulk
  ingest once the fixed start (interpreter, imports, workers, models: ~1-3 s) is paid.
  Throughput targets (2 cores: 150 HTML and 1,000 text articles/s) are judged on it.

The baseline, measured in the same run on the same files, is the bare extractor in
this process: read each file and call ``trafilatura.extract`` (HTML) or split
paragraphs and identify the language (text). This machine is a shared VM: run-to-run
spread is about ±10 %; ``--repeats`` takes the median of that many runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import py3langid
import trafilatura

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NEWSTRACE = [sys.executable, "-m", "newstrace"]
TARGETS = {"html": 150, "text": 1000}


def build_html(folder: Path, copies: int) -> list[Path]:
    with tarfile.open(DATA / "dates-mediacloud" / "pages.tar.gz") as tar:
        pages = [(m.name, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile()]
    files = []
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
    """Files per second of the bare extractor, warm (imports and models loaded first)."""

    def extract(path: Path) -> None:
        if kind == "html":
            trafilatura.extract(path.read_bytes())
        else:
            text = path.read_text()
            [p for p in text.split("\n\n") if p.strip()]
            py3langid.classify(text)

    extract(files[0])
    start = time.perf_counter()
    for path in files:
        extract(path)
    return len(files) / (time.perf_counter() - start)


def run_ingest(folder: Path, workers: int, fast_html: bool, repeats: int) -> tuple[float, int]:
    """Median wall seconds of ``newstrace ingest folder`` into a new store, and skips."""
    times, skipped = [], 0
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            command = [*NEWSTRACE, "ingest", str(folder), "--db", str(Path(tmp) / "b.db"),
                       "--json", "--workers", str(workers), *(["--fast-html"] if fast_html
                                                              else [])]
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True)
            times.append(time.perf_counter() - start)
        if done.returncode not in (0, 3):  # 3: some inputs skipped, reported
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
        skipped = len(json.loads(done.stdout)["errors"])
    return statistics.median(times), skipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--html-copies", type=int, default=10)
    parser.add_argument("--text-docs", type=int, default=3000)
    parser.add_argument("--large", type=int, default=3,
                        help="the steady rate compares the corpus with one this many times "
                             "bigger")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, build, size in (("html", build_html, args.html_copies),
                                  ("text", build_text, args.text_docs)):
            small, large = Path(tmp) / f"{kind}-small", Path(tmp) / f"{kind}-large"
            small.mkdir()
            large.mkdir()
            files = build(small, size)
            large_files = build(large, size * args.large)
            base = baseline(files, kind)
            for fast_html in ((False, True) if kind == "html" else (False,)):
                for workers in (1, 2):
                    seconds, skipped = run_ingest(small, workers, fast_html, args.repeats)
                    steady = None
                    if workers == 2:
                        big_seconds, _ = run_ingest(large, workers, fast_html, args.repeats)
                        steady = (len(large_files) - len(files)) / (big_seconds - seconds)
                    name = "html --fast-html" if fast_html else kind
                    rows.append((name, len(files), workers, len(files) / seconds, steady,
                                 base, skipped, TARGETS[kind]))
    print(f"{'corpus':<16} {'docs':>5} {'workers':>7} {'total/s':>8} {'steady/s':>8} "
          f"{'baseline/s':>10} {'ratio':>6} {'skipped':>7} {'target':>6}  met")
    for name, docs, workers, total, steady, base, skipped, target in rows:
        rate = steady if steady is not None else total
        print(f"{name:<16} {docs:>5} {workers:>7} {total:>8.1f} "
              f"{steady if steady is not None else float('nan'):>8.1f} {base:>10.1f} "
              f"{rate / base:>6.2f} {skipped:>7} {target:>6}  "
              f"{('yes' if rate >= target else 'NO') if steady is not None else '-'}")


if __name__ == "__main__":
    main()
