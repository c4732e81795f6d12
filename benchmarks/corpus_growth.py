"""Growth: what adding articles to a large store costs, against adding them to an empty one.

    python benchmarks/corpus_growth.py [--base 10000] [--add 1000] [--work /tmp/growth]

How the corpus is made: every real text of ``../shared/data`` (ECB+ dev, PolNeAR train
and dev, WMT22 sources, references and MT outputs, NewsWCL50: 3,260 texts), cycled;
the k-th time a text comes back it is a *variant*: its sentences rotated by k, every
(k+2)-th sentence dropped, and a dateline "(Wire k)" added, under a new source name, so
a new id. Variants of one text are near duplicates or rewrites of each other, as
syndicated copies are in CC-NEWS. Articles get dates spread over 2023.

Steps, each in a fresh process (its peak memory is its own):

1. *base*: ``--base`` articles stored and analysed in runs of 1,000, the way daily
   batches arrive;
2. *add to empty* (the baseline): ``--add`` new articles analysed into an empty store;
3. *add to base*: the same ``--add`` articles analysed into a copy of the base store;
4. ``report --story`` of the base store's largest story, and a whole-store figure:
   bytes stored per article, the largest stored value.

Printed: each step's time and peak memory, and the ratios add-to-base / add-to-empty.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def pool() -> list[tuple[str, str]]:
    """(name, text) of every real text in the shared data."""
    out: list[tuple[str, str]] = []
    for line in (DATA / "ecbplus" / "dev.jsonl").read_text().splitlines():
        doc = json.loads(line)
        text = doc["text"].replace(" ,", ",").replace(" .", ".").replace(" '", "'")
        out.append((f"ecb/{doc['doc']}", text))
    for split in ("train", "dev"):
        for path in sorted((DATA / "polnear" / split / "text").glob("*.txt")):
            out.append((f"polnear/{split}/{path.name}", path.read_text()))
    for line in (DATA / "wmt22" / "dev.jsonl").read_text().splitlines():
        doc = json.loads(line)
        for key, value in doc.items():
            if isinstance(value, str) and len(value) > 400:
                out.append((f"wmt22/{doc.get('doc_id', len(out))}/{key}", value))
            elif isinstance(value, dict):
                for name, text in value.items():
                    if isinstance(text, str) and len(text) > 400:
                        out.append((f"wmt22/{doc.get('doc_id', len(out))}/{key}/{name}", text))
    for line in (DATA / "newswcl50" / "docs.jsonl").read_text().splitlines():
        doc = json.loads(line)
        if isinstance(doc.get("text"), str):
            out.append((f"wcl/{doc.get('id', len(out))}", doc["text"]))
    return out


def articles(start: int, count: int) -> list:
    """Articles ``start`` .. ``start + count`` of the endless corpus (see the module)."""
    from newstrace.nlp.sentences import split_sentences
    from newstrace.records import Article, article_id

    texts = pool()
    out = []
    for n in range(start, start + count):
        name, text = texts[n % len(texts)]
        k = n // len(texts)
        if k:
            sentences = split_sentences(text) or [text]
            sentences = sentences[k % len(sentences):] + sentences[: k % len(sentences)]
            sentences = [s for i, s in enumerate(sentences) if (i + 1) % (k + 2)]
            text = f"(Wire {k}) " + " ".join(sentences or [text])
            name = f"{name}#v{k}"
        day = (date(2023, 1, 1) + timedelta(days=n % 365)).isoformat()
        out.append(Article(id=article_id(text, name), source=name, text=text, published=day,
                           outlet=f"Outlet {n % 97}", title=text.split(". ", 1)[0][:120]))
    return out


def child(args: argparse.Namespace) -> None:
    """One step, in this process; prints its figures as JSON."""
    from newstrace.pipeline import run_stages
    from newstrace.store import Store, raw_digest

    start = time.perf_counter()
    out: dict = {}
    with Store.open(args.db) as store:
        if args.step == "report":
            from newstrace.corpus import Selection, report_from_store
            from newstrace.report import write_report

            stories = list(store.iter_items("stories"))
            biggest = max(stories, key=lambda s: len(s[1]["article_ids"]))[1]
            start = time.perf_counter()
            report = report_from_store(store, Selection(story=biggest["id"]))
            write_report(report, Path(args.db).with_suffix(".report"))
            out["story_articles"] = len(biggest["article_ids"])
        else:
            for first in range(args.start, args.start + args.count, args.batch):
                batch = articles(first, min(args.batch, args.start + args.count - first))
                store.add_articles([(a, raw_digest(a.text)) for a in batch])
                status = run_stages(batch, store).status
                assert set(status.values()) == {"done"}, status
    out["seconds"] = time.perf_counter() - start
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def step(db: Path, name: str, start: int = 0, count: int = 0, batch: int = 1000) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", name, "--db", str(db),
                           "--start", str(start), "--count", str(count), "--batch", str(batch)],
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def sizes(db: Path) -> dict:
    con = sqlite3.connect(db)
    n = con.execute("select count(*) from articles").fetchone()[0]
    largest = 0
    for table in ("stage_state", "stage_rows", "results", "article_products", "articles"):
        column = "text" if table == "articles" else "data"
        value = con.execute(f"select max(length({column})) from {table}").fetchone()[0]
        largest = max(largest, value or 0)
    con.close()
    wal = db.with_name(db.name + "-wal")
    total = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    return {"articles": n, "bytes_per_article": total / max(n, 1), "largest_value": largest}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=int, default=10_000)
    parser.add_argument("--add", type=int, default=1_000)
    parser.add_argument("--work", default="/tmp/newstrace-growth")
    parser.add_argument("--child")
    parser.add_argument("--db")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    if args.child:
        args.step = args.child
        child(args)
        return
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"texts in the pool: {len(pool())}")
    base = work / "base.db"
    built = step(base, "add", 0, args.base)
    print(f"base: {args.base} articles in {built['seconds']:.0f} s "
          f"({args.base / built['seconds']:.1f}/s), peak {built['peak_mb']:.0f} MB")
    print("base store:", sizes(base))
    fresh = args.base + 7  # new articles, none of them in the base
    empty = step(work / "empty.db", "add", fresh, args.add, batch=args.add)
    grown_db = work / "grown.db"
    shutil.copy(base, grown_db)
    grown = step(grown_db, "add", fresh, args.add, batch=args.add)
    for name, figures in (("add to empty", empty), (f"add to {args.base}", grown)):
        print(f"{name}: {args.add} articles in {figures['seconds']:.1f} s, "
              f"peak {figures['peak_mb']:.0f} MB")
    print(f"ratio time {grown['seconds'] / empty['seconds']:.2f}, "
          f"peak memory {grown['peak_mb'] / empty['peak_mb']:.2f}")
    report = step(base, "report")
    print(f"report --story (largest story, {report['story_articles']} articles) at "
          f"{args.base}: {report['seconds']:.2f} s")


if __name__ == "__main__":
    main()
