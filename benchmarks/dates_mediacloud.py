"""Publication-date accuracy on the Media Cloud 2020 sample (200 pages, htmldate eval).

Compares, in one run, newstrace's ``clean_document`` (date part of ``published``)
with htmldate alone (``find_date(html, original_date=True)`` and the default
``find_date(html)``). A page whose gold date is missing counts as correct when
the system says null, as wrong when it gives a date.

Usage::

    PYTHONPATH=src python benchmarks/dates_mediacloud.py [--data DIR] [--errors]
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dates-mediacloud"


def load_pages(data_dir: Path) -> list[tuple[str, bytes, str | None]]:
    """(url, html bytes, gold date or None) for every page of the set."""
    gold = json.loads((data_dir / "gold.json").read_text())
    with tarfile.open(data_dir / "pages.tar.gz") as tar:
        files = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
        pages = []
        for url, entry in gold.items():
            date = entry.get("date")
            if isinstance(date, float) and math.isnan(date):
                date = None
            member = tar.extractfile(files[entry["file"]])
            assert member is not None
            pages.append((url, member.read(), date or None))
    return pages


def score(name: str, predict: Callable[[str, bytes], str | None],
          pages: list[tuple[str, bytes, str | None]], errors: bool) -> dict[str, object]:
    counts = collections.Counter()
    start = time.perf_counter()
    for url, html, gold in pages:
        guess = predict(url, html)
        guess = guess[:10] if guess else None
        if guess == gold:
            counts["correct"] += 1
        elif guess is None:
            counts["missing"] += 1
        else:
            counts["wrong"] += 1
        if errors and guess != gold:
            print(f"  [{name}] gold={gold} got={guess} {url[:90]}")
    elapsed = time.perf_counter() - start
    return {"system": name, **counts, "accuracy": counts["correct"] / len(pages),
            "seconds": elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path,
                        default=Path(os.environ.get("NEWSTRACE_DATES_DATA", DEFAULT_DATA)))
    parser.add_argument("--errors", action="store_true", help="list every wrong/missing page")
    args = parser.parse_args()

    from htmldate import find_date

    from newstrace.clean import CleaningError, clean_document
    from newstrace.records import RawDocument

    pages = load_pages(args.data)
    sources: collections.Counter[str] = collections.Counter()

    def newstrace(url: str, html: bytes, extractor: str = "trafilatura") -> str | None:
        try:
            art = clean_document(RawDocument(url, html, "html", url=url),
                                 html_extractor=extractor)
        except CleaningError:
            if extractor == "trafilatura":
                sources["CleaningError"] += 1
            return None
        if extractor == "trafilatura":
            sources[str(art.published_from)] += 1
        return art.published

    def decode(html: bytes) -> str:
        return html.decode("utf-8", "replace")

    # htmldate alone first: newstrace narrows htmldate's (process-wide) dateparser to
    # its date languages, and the baseline must run with htmldate as it ships
    baselines = [
        score("htmldate original_date=True",
              lambda u, h: find_date(decode(h), url=u, original_date=True), pages, args.errors),
        score("htmldate default", lambda u, h: find_date(decode(h), url=u), pages, args.errors),
    ]
    rows = [
        score("newstrace clean_document", newstrace, pages, args.errors),
        score("newstrace --fast-html", lambda u, h: newstrace(u, h, "resiliparse"), pages,
              args.errors),
        *baselines,
    ]
    print(f"\n{len(pages)} pages, {sum(1 for p in pages if p[2] is None)} without gold date\n")
    print(f"| {'system':<30} | correct | wrong | missing | accuracy | seconds |")
    print(f"|{'-' * 32}|---------|-------|---------|----------|---------|")
    for r in rows:
        print(f"| {r['system']:<30} | {r.get('correct', 0):>7} | {r.get('wrong', 0):>5} | "
              f"{r.get('missing', 0):>7} | {r['accuracy']:>8.3f} | {r['seconds']:>7.1f} |")
    print("\nnewstrace published_from:", dict(sources))


if __name__ == "__main__":
    main()
