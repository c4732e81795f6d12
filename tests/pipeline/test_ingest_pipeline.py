"""ingest() stores whole articles, skips bad input, and resumes after an interruption."""

from __future__ import annotations

from pathlib import Path

import pytest

from newstrace import pipeline
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
    seeds_dir: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_clean = pipeline.clean_document

    def clean_then_interrupt(raw, **options):
        calls.append(raw.source)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the user presses Ctrl-C during the second batch
        return real_clean(raw, **options)

    monkeypatch.setattr(pipeline, "clean_document", clean_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        ingest([str(seeds_dir)], store, batch_size=2)
    stored = store.list_articles()
    assert len(stored) == 2 and all(a.text for a in stored)  # the first batch, whole
    monkeypatch.setattr(pipeline, "clean_document", real_clean)
    resumed = ingest([str(seeds_dir)], store)
    assert (resumed.added, resumed.existing) == (2, 2)
    assert store.count() == 4


def test_parallel_cleaning_gives_the_same_result(seeds_dir: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "MIN_POOL_BATCH", 2)  # make the 4 seeds use the pool
    started = []
    real_pool = pipeline.ProcessPoolExecutor
    monkeypatch.setattr(pipeline, "ProcessPoolExecutor",
                        lambda *a, **k: started.append(k) or real_pool(*a, **k))
    with Store.open(str(tmp_path / "a.db")) as one, Store.open(str(tmp_path / "b.db")) as two:
        serial = ingest([str(seeds_dir)], one, workers=1)
        parallel = ingest([str(seeds_dir)], two, workers=2, batch_size=3)
        assert serial.article_ids == parallel.article_ids
        assert one.list_articles() == two.list_articles()
    assert [k["mp_context"].get_start_method() for k in started] == ["forkserver"]


def test_duplicate_documents_in_one_batch_count_once(tmp_path: Path, store: Store) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a.txt", "b.txt"):
        (docs / name).write_text("Same headline\n\nSame body of the same article.")
    summary = ingest([str(docs)], store)
    assert (summary.added, summary.existing, len(summary.article_ids)) == (1, 1, 1)


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


def test_pool_workers_freeze_the_collector_between_documents(seeds_dir: Path) -> None:
    # in a fresh interpreter: freezing is process-wide and must not touch the test runner
    import subprocess
    import sys

    script = (
        "import gc\n"
        "from newstrace import pipeline\n"
        "from newstrace.ingest import iter_inputs\n"
        f"docs = list(iter_inputs([{str(seeds_dir)!r}]))\n"
        "pipeline.clean_one(docs[0])\n"
        "before = gc.get_freeze_count()\n"
        "pipeline.freeze_gc_between_documents()\n"
        "pipeline.clean_one(docs[1])\n"
        "print(before, gc.get_freeze_count())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.split()
    before, after = map(int, out)
    assert before == 0 and after > 10_000  # the cleaners' models, out of the collector's way


def test_the_pool_initializer_turns_freezing_on(seeds_dir: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "MIN_POOL_BATCH", 2)
    started = []
    real_pool = pipeline.ProcessPoolExecutor
    monkeypatch.setattr(pipeline, "ProcessPoolExecutor",
                        lambda *a, **k: started.append(k) or real_pool(*a, **k))
    with Store.open(str(tmp_path / "a.db")) as store:
        ingest([str(seeds_dir)], store, workers=2)
    assert started[0]["initializer"] is pipeline.freeze_gc_between_documents
