"""The hostile-input probe at full size: crashes, hangs, lost articles and peak memory.

    python benchmarks/hostile_probe.py [--size 25] [--db postgresql://...] [--hang 30]

Builds the probe tree of ``tests/hostile/generator.py`` (``--size`` inputs of each of its
families, a good article beside each, the folder traps), then:

1. **The batch**: ``newstrace ingest TREE --db NEW --json`` as a user runs it, in a fresh
   process: its exit code (3 expected: done, some inputs skipped; 1 would be a crash),
   wall time and peak memory (the child's maximum resident set), the good articles
   stored (all expected) and the hostile inputs with neither an article nor a reason
   (none expected).
2. **Each input alone**: every hostile input read and cleaned in this process under an
   alarm of ``--hang`` seconds: the slowest inputs, and how many hit the alarm (hangs).

Baseline, in the same run: the same command on a tree of only the good articles (the
same count), so the ratio says what the hostile inputs cost beyond reading as many
good ones.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newstrace.ingest import iter_inputs  # noqa: E402
from newstrace.ingest.files import path_text  # noqa: E402
from newstrace.pipeline import clean_one  # noqa: E402
from newstrace.records import RawDocument  # noqa: E402
from newstrace.store import Store  # noqa: E402
from tests.hostile.generator import FAMILIES, build, good_sentence  # noqa: E402

#: runs a command and prints its peak memory (the largest resident set of its process
#: tree, in KB) on stderr's last line: each command measured on its own
_MEASURED = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
             "sys.exit(code)")


def run_ingest(tree: Path, db: str) -> tuple[int, float, float, dict]:
    """Exit code, seconds, peak MB and the JSON summary of one ingest command."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURED,
                           str(Path(sys.executable).with_name("newstrace")), "ingest",
                           str(tree), "--db", db, "--json", "--quiet"],
                          capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - start
    peak = int(done.stderr.strip().splitlines()[-1]) / 1024
    try:
        summary = json.loads(done.stdout)
    except ValueError:
        summary = {"stderr": done.stderr[-2000:]}
    return done.returncode, seconds, peak, summary


class Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def time_each(paths: list[Path], hang: int) -> list[tuple[float, str, str]]:
    """(seconds, input, outcome) for each input read and cleaned alone."""
    signal.signal(signal.SIGALRM, _alarm)
    out = []
    for path in paths:
        start = time.perf_counter()
        signal.alarm(hang)
        try:
            items = list(iter_inputs([str(path)]))
            outcomes = [type(clean_one(i)).__name__ if isinstance(i, RawDocument) else "reason"
                        for i in items]
            outcome = ",".join(sorted(set(outcomes))) or "nothing"
        except Hang:
            outcome = "HANG"
        except Exception as exc:  # a crash of the reader or cleaner, not a reason
            outcome = f"CRASH {type(exc).__name__}"
        finally:
            signal.alarm(0)
        out.append((time.perf_counter() - start, path_text(path), outcome))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=25)
    parser.add_argument("--db", default=None, help="a PostgreSQL URL (default: new SQLite)")
    parser.add_argument("--hang", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tree = build(Path(folder) / "tree", size=args.size)
        good_only = Path(folder) / "good"
        for n, path in enumerate(tree.good):
            (good_only / str(n)).mkdir(parents=True)
            (good_only / str(n) / path.name).write_text(tree.good[path], encoding="utf-8")
        db = args.db or str(Path(folder) / "probe.db")
        code, seconds, peak, summary = run_ingest(tree.root, db)
        base_code, base_seconds, base_peak, _ = run_ingest(good_only,
                                                           str(Path(folder) / "good.db"))
        with Store.open(db) as store:
            stored = store.list_articles(limit=10**6)
        texts = "\n".join(a.text for a in stored)
        good_stored = sum(1 for text in tree.good.values() if good_sentence(text) in texts)
        errors = summary.get("errors") or []
        seen = {e["source"].split("#", 1)[0] for e in errors}
        seen |= {path_text(a.source.split("#", 1)[0]) for a in stored}
        silent = [p for p in tree.hostile if path_text(p) not in seen]
        each = time_each(tree.hostile, args.hang)
    crashes = [e for e in each if e[2].startswith("CRASH")]
    hangs = [e for e in each if e[2] == "HANG"]
    print(f"inputs tried: {len(tree.hostile)} hostile ({len(FAMILIES)} families x "
          f"{args.size} + traps) beside {len(tree.good)} good articles")
    print(f"batch: exit {code} (3 expected), {seconds:.1f} s, peak {peak:.0f} MB; "
          f"baseline (good articles only): exit {base_code}, {base_seconds:.1f} s, "
          f"peak {base_peak:.0f} MB; ratio {seconds / base_seconds:.2f}x time, "
          f"{peak / base_peak:.2f}x memory")
    print(f"good articles stored: {good_stored} of {len(tree.good)}; hostile inputs with "
          f"neither an article nor a reason: {len(silent)}; reasons: {len(errors)}")
    print(f"each input alone: crashes {len(crashes)}, hangs (over {args.hang} s) "
          f"{len(hangs)}; slowest:")
    for seconds_each, name, outcome in sorted(each, reverse=True)[:5]:
        where = f"{Path(name).parent.name}/{Path(name).name[:40]}"
        print(f"  {seconds_each:6.2f} s  {outcome:<20} {where}")
    for name in silent[:10]:
        print(f"  silent: {name}")
    for _, name, outcome in crashes + hangs:
        print(f"  {outcome}: {name}")


if __name__ == "__main__":
    main()
