"""Write the report of a mixed corpus, as one process on one machine computes it.

``tests/e2e/test_blas_kernels.py`` runs this in fresh processes under different BLAS
kernels (``OPENBLAS_CORETYPE``), numbers of processes (``NEWSTRACE_PROCESSES``) and
encoder batch sizes, and compares what they write:

    python -m tests.e2e.kernel_run OUT.json [--encoder-batch N]

The corpus holds every stage's material: the seeds (a copy, a translation, citations,
denials), PolNeAR texts (attributions, more than a shared claims job's threshold), ECB+
documents of three topics (events and stories) and WMT22 articles with their human and
machine translations (translations and rewrites).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from tests.conftest import SHARED_DATA
from tests.fixtures.load import portable

POLNEAR_TEXTS = 30
ECB_TOPICS = ("1", "3", "8")
ECB_DOCS_PER_TOPIC = 8
WMT_RECORDS = 2


def write_corpus(folder: Path) -> None:
    """The mixed corpus as text files in ``folder``."""
    for seed in sorted((SHARED_DATA / "seeds").glob("*.txt")):
        (folder / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    polnear = sorted((SHARED_DATA / "polnear" / "train" / "text").glob("*.txt"))
    for path in polnear[:POLNEAR_TEXTS]:
        (folder / f"polnear-{path.name}").write_text(path.read_text(encoding="utf-8"),
                                                     encoding="utf-8")
    taken: dict[str, int] = {}
    with open(SHARED_DATA / "ecbplus" / "dev.jsonl", encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            topic = str(doc["topic"])
            if topic in ECB_TOPICS and taken.get(topic, 0) < ECB_DOCS_PER_TOPIC:
                taken[topic] = taken.get(topic, 0) + 1
                (folder / f"ecb-{topic}-{taken[topic]}.txt").write_text(
                    doc["text"], encoding="utf-8")
    with open(SHARED_DATA / "wmt22" / "dev.jsonl", encoding="utf-8") as lines:
        for n, line in zip(range(WMT_RECORDS), lines, strict=False):
            record = json.loads(line)
            versions = [record["src"], *list(record["refs"].values())[:1],
                        *list(record["hyps"].values())[:2]]
            for v, text in enumerate(versions):
                (folder / f"wmt-{n}-{v}.txt").write_text(text, encoding="utf-8")


def corpus_report(encoder_batch: int | None = None) -> dict[str, Any]:
    """The pipeline's report on the mixed corpus, on an in-memory store."""
    from newstrace.nlp import embeddings
    from newstrace.pipeline import analyze, ingest
    from newstrace.store import Store

    if encoder_batch:
        embeddings.BATCH = encoder_batch
    with tempfile.TemporaryDirectory() as folder:
        write_corpus(Path(folder))
        store = Store.open(":memory:")
        try:
            summary = ingest([folder], store)
            report = analyze(summary.article_ids, store, errors=summary.errors)
        finally:
            store.close()
    report.pop("generated_at", None)
    return portable(report)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--encoder-batch", type=int, default=None)
    args = parser.parse_args()
    report = corpus_report(args.encoder_batch)
    from threadpoolctl import threadpool_info

    kernels = sorted({str(pool.get("architecture")) for pool in threadpool_info()
                      if pool.get("internal_api") == "openblas"})
    args.out.write_text(json.dumps({"kernels": kernels, "report": report},
                                   ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
