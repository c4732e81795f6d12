"""What a store holds per article: the WMT22 dev texts analysed by ``newstrace analyze``.

    python benchmarks/store_size.py [--per-doc 4]

The texts: for each of the 179 WMT22 documents its source, its references and MT
outputs, at most ``--per-doc`` texts a document (4: 675 texts, many of them
translations or rewrites of each other: the reuse index's worst case), written to
files and analysed into a new SQLite store by the command a user runs. Printed:
bytes stored per article (the database file after its write-ahead log is
checkpointed, text and indexes included), the largest value stored, the bytes of
each table and of each kind of result.
Targets (issue 15): no value over 1 MB, at most 100 KB an article.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reuse_wmt22 import load

TABLES = {"articles": "text", "results": "data", "article_products": "data",
          "stage_rows": "data", "stage_state": "data", "index_keys": "key"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-doc", type=int, default=4)
    args = parser.parse_args()
    texts = load(args.per_doc)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "texts"
        folder.mkdir()
        for n, (article, _, _) in enumerate(texts):
            (folder / f"{n:04d}.txt").write_text(article.text, encoding="utf-8")
        db = Path(tmp) / "w.db"
        done = subprocess.run([sys.executable, "-m", "newstrace", "analyze", str(folder),
                               "--db", str(db), "--out", str(Path(tmp) / "out"), "--quiet"])
        if done.returncode not in (0, 3):  # 3: some texts skipped (too short to be news)
            raise SystemExit(f"newstrace analyze failed ({done.returncode})")
        con = sqlite3.connect(db)
        count = con.execute("select count(*) from articles").fetchone()[0]
        print(f"{len(texts)} texts, {count} articles stored")
        largest = 0
        for table, column in TABLES.items():
            rows, biggest, total = con.execute(
                f"select count(*), max(length({column})), sum(length({column})) "
                f"from {table}").fetchone()
            largest = max(largest, biggest or 0)
            print(f"  {table:<17} {rows:>7} rows, largest {biggest or 0:>9,} B, "
                  f"{(total or 0) / count:>9,.0f} B an article")
        for kind, rows, biggest, total in con.execute(
                "select kind, count(*), max(length(data)), sum(length(data)) from results "
                "group by kind order by sum(length(data)) desc"):
            print(f"    results {kind:<11} {rows:>7} rows, largest {biggest:>9,} B, "
                  f"{total / count:>9,.0f} B an article")
        # a log not yet folded into the file would count pages twice, or not yet
        con.execute("pragma wal_checkpoint(truncate)")
        con.close()
        wal = db.with_name(db.name + "-wal")
        size = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    print(f"store: {size / count:,.0f} bytes an article on disk; largest value "
          f"{largest:,} bytes (targets: 100,000 and 1,000,000)")


if __name__ == "__main__":
    main()
