"""One corpus, however it arrives: the store's answer after one run, several runs or one
article at a time is the same (issue 15).

The answer compared is the report of the whole store (``newstrace report``), as an
analyst reads it: the same articles, reuse edges, stories and events, claims with
their origins, first reporters and independent-source counts; scores within the
report's last places (``tests/fixtures/compare.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newstrace.corpus import Corpus, Selection, report_from_store
from newstrace.pipeline import run_stages
from newstrace.records import Article, article_id
from newstrace.store import Store, raw_digest
from tests.conftest import SEED_000, SEED_001, SEED_002, SEED_004, SHARED_DATA
from tests.fixtures.compare import report_differences

#: what may differ between two reports of one corpus: when they were written, and
#: how the last analysis went (a status, not an answer)
VOLATILE = ("generated_at", "newstrace_version", "analyses", "errors")


def answer(report: dict[str, Any]) -> dict[str, Any]:
    """A report with its lists in a fixed order and its volatile keys gone."""
    out = {k: v for k, v in report.items() if k not in VOLATILE}
    # the runs read copies of the seeds in folders of their own: the file names count
    out["articles"] = [{**a, "source": Path(a["source"]).name} for a in out["articles"]]
    for key, value in out.items():
        if isinstance(value, list):
            out[key] = sorted(value, key=lambda item: json.dumps(
                {k: item.get(k) for k in ("id", "original", "copy")}, sort_keys=True))
    return out


def seed_runs(corpus: Corpus, tmp_path: Path, runs: list[list[str]]) -> None:
    for n, names in enumerate(runs):
        folder = tmp_path / f"run{n}"
        folder.mkdir(parents=True)
        for name in names:
            (folder / name).write_bytes((SHARED_DATA / "seeds" / name).read_bytes())
        result = corpus.add([str(folder)])
        assert set(result.analyses.values()) == {"done"}, result.analyses


@pytest.fixture(scope="module")
def one_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("one")
    with Corpus.open(str(tmp / "one.db")) as corpus:
        seed_runs(corpus, tmp, [[SEED_000, SEED_001, SEED_002, SEED_004]])
        return corpus.report()


def test_the_seeds_in_two_runs_give_the_answer_of_one(one_run, store_url, tmp_path) -> None:
    with Corpus.open(store_url) as corpus:
        seed_runs(corpus, tmp_path, [[SEED_000, SEED_002], [SEED_001, SEED_004]])
        two_runs = corpus.report()
        assert report_differences(answer(two_runs), answer(one_run)) == []
        # the analyst's answer, spelled out: CNN's drone story (000), rewritten by 001
        by_source = {a["source"].rsplit("/", 1)[-1]: a["id"] for a in two_runs["articles"]}
        (edge,) = two_runs["reuse"]
        assert (edge["original"], edge["copy"]) == (by_source[SEED_000], by_source[SEED_001])
        drone = [c for c in two_runs["claims"]
                 if {by_source[s] for s in (SEED_000, SEED_001, SEED_004)}
                 <= set(c["article_ids"])]
        # "considering supplying": CNN's sources and the ISW's assessment (004)
        assert any(c["independent_sources"] >= 2 for c in drone
                   if "considering" in c["text"])
        # "no final decision ... price and size": 004 relays CNN; 001 copies 000
        (decision,) = [c for c in drone if "final decision" in c["text"]]
        assert [o["id"] for o in decision["origins"]] == [by_source[SEED_000]]
        assert decision["independent_sources"] == 1
        # a rerun of everything changes nothing
        seed_runs(corpus, tmp_path / "again", [[SEED_000, SEED_001, SEED_002, SEED_004]])
        assert report_differences(answer(corpus.report()), answer(one_run)) == []


def test_the_seeds_one_by_one_in_reverse_give_the_answer_of_one(one_run, tmp_path) -> None:
    with Corpus.open(str(tmp_path / "rev.db")) as corpus:
        seed_runs(corpus, tmp_path, [[SEED_004], [SEED_002], [SEED_001], [SEED_000]])
        assert report_differences(answer(corpus.report()), answer(one_run)) == []


def test_a_story_report_from_the_store_holds_the_story_and_all_its_articles(tmp_path) -> None:
    with Corpus.open(str(tmp_path / "s.db")) as corpus:
        seed_runs(corpus, tmp_path, [[SEED_000, SEED_002], [SEED_001, SEED_004]])
        stories = corpus.stories()
        assert len(stories) == 2
        drone_story = max(stories, key=lambda s: len(s["article_ids"]))
        report = corpus.report(story=drone_story["id"])
        assert [s["id"] for s in report["stories"]] == [drone_story["id"]]
        assert set(drone_story["article_ids"]) <= {a["id"] for a in report["articles"]}
        assert len(drone_story["article_ids"]) == 3
        assert report["reuse"] and report["claims"]
        others = {a["id"] for a in report["articles"]} - set(drone_story["article_ids"])
        assert not others, "an article of the other story came along"
        # the story's stored provenance graph, and no other story's
        assert [g["story_id"] for g in report["graphs"]] == [drone_story["id"]]
        late = corpus.report(since="2023-01-01")
        chosen = {a.id for a in corpus.store.list_articles(since="2023-01-01")}
        assert chosen and chosen <= {a["id"] for a in late["articles"]}
        assert all(chosen & set(s["article_ids"]) for s in late["stories"])


def test_a_rerun_over_a_store_is_idempotent_and_keeps_every_scope(tmp_path) -> None:
    with Store.open(str(tmp_path / "r.db")) as store:
        corpus = Corpus(store)
        seed_runs(corpus, tmp_path, [[SEED_000, SEED_001, SEED_002, SEED_004]])
        before = report_from_store(store, Selection())
        # analysing one article again recomputes its scope and leaves the other alone
        run_stages(store.get_many([before["articles"][0]["id"]]), store)
        assert report_differences(answer(report_from_store(store, Selection())),
                                  answer(before)) == []


# -- ECB+ dev: 772 articles of 35 topics, in one run, in four, and a topic one by one ---------

def ecb_articles(limit: int | None = None) -> list[Article]:
    lines = (SHARED_DATA / "ecbplus" / "dev.jsonl").read_text().splitlines()[:limit]
    out = []
    for line in lines:
        doc = json.loads(line)
        text = doc["text"].replace(" ,", ",").replace(" .", ".").replace(" '", "'")
        out.append(Article(id=article_id(text, doc["doc"]), source=doc["doc"], text=text,
                           title=text.split("\n", 1)[0][:120]))
    return out


def analysed(store: Store, articles: list[Article], runs: int) -> dict[str, Any]:
    store.add_articles([(a, raw_digest(a.text)) for a in articles])
    size = -(-len(articles) // runs)
    for start in range(0, len(articles), size):
        run = run_stages(articles[start : start + size], store)
        assert set(run.status.values()) == {"done"}, run.status
    return answer(report_from_store(store, Selection()))


def _pairs(report: dict[str, Any], events: bool) -> set[tuple[str, str]]:
    """The article pairs clustered together: in one event, or in one story."""
    groups = ([e["article_ids"] for s in report["stories"] for e in s["events"]] if events
              else [[a for e in s["events"] for a in e["article_ids"]]
                    for s in report["stories"]])
    return {(x, y) for g in groups for x in g for y in g if x < y}


def pair_f1(a: set[tuple[str, str]], b: set[tuple[str, str]]) -> float:
    return 1.0 if not a and not b else 2 * len(a & b) / (len(a) + len(b))


#: How far a corpus fed in several runs, in any order, may be from one run (issue 15's
#: stated tolerance). Articles are placed in canonical order (date, then id) and a
#: story a late article joins is placed again, so arrivals in canonical order give one
#: run's clusters exactly; ECB+ has no dates, so its runs are not in that order, and
#: the term weights of stories no late article touched are those of their day:
#: measured on ECB+ dev in 4 runs (in file order / reversed): event pairs F1 0.993 /
#: 0.997, story pairs 0.940 / 0.985, claims with the same articles 3,802 of 3,810;
#: reuse edges with their direction 1.000 / 1.000 (each pair is compared, and an edge
#: without evidence of its direction is taken, in the pair's canonical order).
EVENT_PAIRS_F1 = 0.98
REUSE_EDGES_F1 = 0.98
STORY_PAIRS_F1 = 0.90
SAME_CLAIMS = 0.99


def same_answer(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Differences beyond the tolerance in events, stories, edges and claims."""
    out = []
    for events, floor in ((True, EVENT_PAIRS_F1), (False, STORY_PAIRS_F1)):
        f1 = pair_f1(_pairs(a, events), _pairs(b, events))
        if f1 < floor:
            out.append(f"{'event' if events else 'story'} pairs F1 {f1:.3f} < {floor}")
    # which candidate pairs reuse compares depends on what came before (an exact twin is
    # linked to the first of its text indexed); an edge's direction does not: without
    # dated or textual evidence it is the pair's canonical order
    edges = [{(e["original"], e["copy"]) for e in r["reuse"]} for r in (a, b)]
    if (f1 := pair_f1(*edges)) < REUSE_EDGES_F1:
        out.append(f"reuse edges (with their direction) F1 {f1:.3f} < {REUSE_EDGES_F1}")
    claims_b = {tuple(sorted(c["article_ids"])) for c in b["claims"]}
    same = sum(tuple(sorted(c["article_ids"])) in claims_b for c in a["claims"])
    if same < SAME_CLAIMS * max(len(a["claims"]), len(b["claims"])):
        out.append(f"claims with the same articles: {same} of {len(a['claims'])}")
    return out


@pytest.fixture(scope="module")
def ecb_one_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with Store.open(str(tmp_path_factory.mktemp("ecb") / "one.db")) as store:
        return analysed(store, ecb_articles(), 1)


@pytest.mark.slow
# 772 runs take several minutes on a quiet 2-core machine: past the suite's default
# timeout when the machine is busy
@pytest.mark.parametrize("runs,reverse", [
    (4, False), (4, True), pytest.param(772, False, marks=pytest.mark.timeout(1200))])
def test_ecb_dev_in_several_runs_gives_the_answer_of_one(ecb_one_run, runs, reverse,
                                                         tmp_path) -> None:
    # 772 runs: one article a run, each recomputing the scope it joins
    articles = ecb_articles()
    assert len(articles) == 772
    with Store.open(str(tmp_path / "runs.db")) as store:
        several = analysed(store, articles[::-1] if reverse else articles, runs)
    assert ecb_one_run["claims"] and ecb_one_run["reuse"] and len(ecb_one_run["stories"]) > 10
    assert same_answer(ecb_one_run, several) == []


def test_results_of_an_older_store_are_taken_in_by_the_next_analysis(tmp_path) -> None:
    # a store analysed before scopes holds one run's items in the empty scope: the next
    # analysis takes their articles in and replaces them with scoped results
    from newstrace.pipeline import analyze_pending
    from tests.fixtures.load import fixture_report, load_into

    with Store.open(str(tmp_path / "old.db")) as store:
        load_into(store)
        assert store.scope_results([""]) and len(store.unanalysed()) == 4
        run = analyze_pending(store)
        assert set(run.status.values()) == {"done"} and len(run.articles) == 4
        assert store.scope_results([""]) == {} and store.unanalysed() == []
        report = report_from_store(store, Selection())
        expected = fixture_report()
        for key in ("claims", "reuse", "stories"):
            assert sorted(i["id"] for i in report[key]) == sorted(i["id"] for i in expected[key])
