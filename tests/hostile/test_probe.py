"""The probe suite, at a bounded size: a tree of hostile inputs ingested in one batch.

Nothing ends the batch, every good article is stored, every hostile input is either
read (an article) or reported (its reason), and a rerun adds nothing; on SQLite and on
PostgreSQL. ``benchmarks/hostile_probe.py`` runs the same tree at full size, timing
each input and measuring peak memory.
"""

from __future__ import annotations

import pytest

from newstrace.ingest.files import path_text
from newstrace.pipeline import ingest
from newstrace.store import Store
from tests.hostile.generator import FAMILIES, build, good_sentence

SIZE = 2  # inputs of each family here; the benchmark takes more


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory):
    return build(tmp_path_factory.mktemp("hostile") / "tree", size=SIZE)


def test_the_tree_has_every_family(tree) -> None:
    assert len(tree.hostile) >= SIZE * len(FAMILIES)
    assert len(tree.good) == SIZE * len(FAMILIES) + 1


def test_nothing_ends_the_batch_and_nothing_is_lost(tree, store_url: str) -> None:
    with Store.open(store_url) as store:
        summary = ingest([str(tree.root)], store)
        stored = store.get_many(summary.article_ids)
        again = ingest([str(tree.root)], store)
    texts = "\n".join(a.text for a in stored)
    missing = [str(p) for p, text in tree.good.items() if good_sentence(text) not in texts]
    assert missing == [], f"good articles not stored: {missing}"
    seen = {path_text(a.source.split("#", 1)[0]) for a in stored}
    seen |= {e.source.split("#", 1)[0] for e in summary.errors}
    silent = [str(p) for p in tree.hostile if path_text(p) not in seen]
    assert silent == [], f"inputs with neither an article nor a reason: {silent}"
    assert all(len(e.reason) < 300 and "Traceback" not in e.reason for e in summary.errors)
    per_input: dict[str, int] = {}
    for e in summary.errors:
        per_input[e.source.split("#", 1)[0]] = per_input.get(e.source.split("#", 1)[0], 0) + 1
    assert max(per_input.values()) <= 10, "one input floods the report with errors"
    assert again.added == 0
