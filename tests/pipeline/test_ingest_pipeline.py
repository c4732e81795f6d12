"""ingest() stores whole articles, skips bad input, and resumes after an interruption."""

from __future__ import annotations

from pathlib import Path

import pytest

from newstrace.pipeline import ingest, run_stages
from newstrace.records import Article
from newstrace.stages import Stage, StageResult
from newstrace.store import Store


def test_seeds_ingest_once(seeds_dir: Path, store: Store) -> None:
    first = ingest([str(seeds_dir)], store)
    assert (first.added, first.existing, first.errors) == (4, 0, [])
    again = ingest([str(seeds_dir)], store)
    assert (again.added, again.existing) == (0, 4)
    assert again.article_ids == first.article_ids
    assert store.count() == 4


def test_bad_inputs_are_reported_and_the_batch_goes_on(seeds_dir: Path, tmp_path: Path,
                                                      store: Store) -> None:
    (tmp_path / "empty.txt").write_text("")
    summary = ingest([str(tmp_path / "missing"), str(tmp_path / "empty.txt"), str(seeds_dir)],
                     store)
    assert summary.added == 4
    reasons = {Path(e.source).name: e.reason for e in summary.errors}
    assert "missing" in reasons and "empty.txt" in reasons
    assert all(r for r in reasons.values())
    assert len(store.errors()) == 2


def test_interrupted_ingest_leaves_whole_articles_and_rerun_resumes(
    seeds_dir: Path, store: Store
) -> None:
    seen: list[str] = []

    def interrupt_on_third(source: str) -> None:
        seen.append(source)
        if len(seen) == 3:
            raise KeyboardInterrupt

    # batch_size=2: the first batch is committed, the second is in flight when interrupted
    with pytest.raises(KeyboardInterrupt):
        ingest([str(seeds_dir)], store, progress=interrupt_on_third, batch_size=2)
    stored = store.list_articles()
    assert len(stored) == 2 and all(a.text for a in stored)
    resumed = ingest([str(seeds_dir)], store)
    assert (resumed.added, resumed.existing) == (2, 2)
    assert store.count() == 4


def test_a_failing_stage_does_not_stop_the_others(store: Store) -> None:
    def broken(articles, *, state, upstream):
        raise RuntimeError("boom")

    def counting(articles, *, state, upstream):
        runs = (state or {}).get("runs", 0) + 1
        return StageResult(report={"stories": [{"id": "s1", "n": len(articles)}]},
                           state={"runs": runs})

    stages = (Stage("broken", lambda: broken), Stage("count", lambda: counting),
              Stage("after", lambda: counting, requires=("broken",)))
    articles = [Article(id="a" * 16, source="x", text="t")]
    run = run_stages(articles, store, stages=stages)
    assert run.status["broken"].startswith("failed: RuntimeError")
    assert run.status["count"] == "done"
    assert run.status["after"] == "skipped: needs broken"
    assert store.items("stories") == [{"id": "s1", "n": 1}]
    run_stages(articles, store, stages=stages)
    assert store.load_state("count") == {"runs": 2}
