"""Throughput of ``clean_document``: articles per second on HTML and plain text.

HTML: the 200 Media Cloud pages repeated ``--repeat`` times (default 5 -> 1,000
docs). Text: the seed articles plus the ECB+ dev texts (776 docs), repeated
``--text-repeat`` times. Each is run in one process and with ``--workers`` (2)
processes; targets are 150 HTML/s and 1,000 text/s.

Usage::

    PYTHONPATH=src python benchmarks/clean_throughput.py [--repeat 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dates_mediacloud import DEFAULT_DATA, load_pages

DATA = DEFAULT_DATA.parent
TARGETS = {"html": 150.0, "text": 1000.0}


def _clean(item: tuple[str, bytes | str, str, str | None]) -> int:
    from newstrace.clean import CleaningError, clean_document
    from newstrace.records import RawDocument

    source, content, media_type, url = item
    try:
        clean_document(RawDocument(source, content, media_type, url=url))  # type: ignore[arg-type]
    except CleaningError:
        return 0
    return 1


def _warm(_: object = None) -> None:
    # import and first-call costs (langid model, trafilatura) are not per-article costs
    _clean(("w", "Warm up\n\n" + "Officials said the bridge would open next month. " * 3,
            "text", None))


def run(items: list, workers: int) -> tuple[float, float | None]:
    """(articles per wall-clock second, articles per CPU second or None).

    The CPU-second figure (single process only) does not depend on what else
    runs on the machine: it is the capacity of one free core.
    """
    if workers <= 1:
        _warm()
        start, cpu = time.perf_counter(), time.process_time()
        for item in items:
            _clean(item)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        return len(items) / wall, len(items) / cpu
    with mp.get_context("fork").Pool(workers, initializer=_warm) as pool:
        pool.map(_warm, range(workers))
        start = time.perf_counter()
        pool.map(_clean, items, chunksize=8)
        return len(items) / (time.perf_counter() - start), None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--text-repeat", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("NEWSTRACE_DATA", DATA)))
    args = parser.parse_args()

    pages = load_pages(args.data / "dates-mediacloud")
    html = [(url, content, "html", url) for url, content, _ in pages] * args.repeat
    seeds = sorted((args.data / "seeds").glob("*.txt"))
    texts = [(p.name, p.read_text(), "text", None) for p in seeds]
    with open(args.data / "ecbplus" / "dev.jsonl") as fh:
        texts += [(rec["doc"], rec["text"], "text", None) for rec in map(json.loads, fh)]
    texts *= args.text_repeat

    print(f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f} "
          f"html_docs={len(html)} text_docs={len(texts)}")
    print(f"| {'input':<6} | {'processes':>9} | {'articles/s':>10} | {'per CPU-s':>9} | target |")
    print("|--------|-----------|------------|-----------|--------|")
    for kind, items in (("html", html), ("text", texts)):
        for workers in (1, args.workers):
            rate, per_cpu = run(items, workers)
            cpu = f"{per_cpu:>9.1f}" if per_cpu else f"{'':>9}"
            print(f"| {kind:<6} | {workers:>9} | {rate:>10.1f} | {cpu} | {TARGETS[kind]:>6.0f} |",
                  flush=True)
    print(f"load={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
