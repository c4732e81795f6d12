"""Provenance on the seeds through every real stage, and the graph export."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from newstrace.ingest import iter_inputs
from newstrace.pipeline import clean_one, run_stages
from newstrace.provenance.anomalies import date_conflicts
from newstrace.records import Article, article_id
from newstrace.report.graph import provenance_graph, write_graph_files


@pytest.fixture(scope="module")
def seeds(seeds_dir: Path) -> dict[str, Article]:
    cleaned = [clean_one(doc) for doc in iter_inputs([str(seeds_dir)])]
    return {Path(a.source).name[:3]: a for a in cleaned if isinstance(a, Article)}


@pytest.fixture(scope="module")
def items(seeds: dict[str, Article]) -> dict:
    run = run_stages(list(seeds.values()))
    assert run.status == {"reuse": "done", "stories": "done", "claims": "done",
                          "provenance": "done"}
    report = run.report_items()
    report["articles"] = [a.to_dict() for a in seeds.values()]
    return report


def cited_by(items: dict, article: Article) -> set[str]:
    return {c["cited"] for c in items["citations"] if c["article_id"] == article.id}


def test_citations(items: dict, seeds: dict[str, Article]) -> None:
    assert {"CNN", "Der Spiegel", "Institute for the Study of War"} <= cited_by(items, seeds["004"])
    first = [c for c in items["citations"] if c["article_id"] == seeds["000"].id
             and c["first_report"]]
    assert [c["cited"] for c in first] == ["Der Spiegel"]
    cnn_004 = next(c for c in items["citations"] if c["article_id"] == seeds["004"].id
                   and c["cited"] == "CNN")
    assert cnn_004["cue"].startswith("reported") and cnn_004["claim_id"]  # "... on February 24"


def test_an_undated_citation_takes_its_year_from_the_claims_dated_articles(
        items: dict, seeds: dict[str, Article]) -> None:
    cnn_004 = next(c for c in items["citations"] if c["article_id"] == seeds["004"].id
                   and c["cited"] == "CNN")
    # 004 is undated: the year comes from the dated articles carrying the claim (000)
    assert cnn_004["date"] == "2023-02-24"


def _drone_claim(items: dict) -> dict:
    return max((c for c in items["claims"] if c["kind"] == "claim"),
               key=lambda c: len(c["article_ids"]))


def test_drone_claim_origin_and_independent_sources(items: dict,
                                                    seeds: dict[str, Article]) -> None:
    ids = {k: a.id for k, a in seeds.items()}
    claim = _drone_claim(items)
    assert {ids["000"], ids["001"], ids["004"]} <= set(claim["article_ids"])
    assert claim["independent_sources"] in (1, 2)
    assert ids["000"] in [o["id"] for o in claim["origins"] if o["kind"] == "article"]
    chains = {c["article_id"]: [step["node"] for step in c["path"]] for c in claim["chains"]}
    assert chains[ids["001"]] == [ids["001"], ids["000"]]  # a copy of CNN's article
    assert claim["first_reporter"]["outlet"] == "CNN"
    # Der Spiegel's "attack drones" report is a claim of its own, Der Spiegel first
    spiegel = next(c for c in items["claims"] if "attack drones" in c["text"]
                   and ids["000"] in c["article_ids"])
    assert spiegel["first_reporter"]["outlet"] == "Der Spiegel"
    # 000 only relays it ("Der Spiegel first reported that ..."), 001 copies 000: one
    # source, Der Spiegel, which both name as first
    assert [o["id"] for o in spiegel["origins"]] == ["outlet:Der Spiegel"]
    assert spiegel["independent_sources"] == 1
    chains = {c["article_id"]: [step["node"] for step in c["path"]]
              for c in spiegel["chains"]}
    assert chains[ids["001"]] == [ids["001"], ids["000"], "outlet:Der Spiegel"]


def _claim_saying(items: dict, words: str) -> dict:
    return next(c for c in items["claims"] if c["kind"] == "claim" and words in c["text"])


def test_an_article_relaying_cnn_is_no_origin_of_what_it_relays(
        items: dict, seeds: dict[str, Article]) -> None:
    # 004: "CNN reported ... sources ... stated that Chinese officials have not made a final
    # decision ... but are discussing the price and scope", a relay of 000's "Beijing has
    # not yet made a final decision, the sources said, but negotiations ... over the price
    # and size ... are ongoing" (and of 001's copy of it): one claim, whose only origin is
    # CNN's article, 004 reaching it through its CNN citation
    ids = {k: a.id for k, a in seeds.items()}
    claim = _claim_saying(items, "final decision")
    assert set(claim["article_ids"]) == {ids["000"], ids["001"], ids["004"]}
    assert [o["id"] for o in claim["origins"]] == [ids["000"]]
    assert claim["independent_sources"] == 1
    chains = {c["article_id"]: [step["node"] for step in c["path"]] for c in claim["chains"]}
    assert chains[ids["004"]] == [ids["004"], ids["000"]]
    assert chains[ids["001"]] == [ids["001"], ids["000"]]
    # worded after the original, not after the content farm's "price and quality"
    assert "price and size" in claim["text"]


def test_the_drone_claim_in_004_rests_on_its_own_named_sources(
        items: dict, seeds: dict[str, Article]) -> None:
    # 004 carries the drone claim on the word of the Institute for the Study of War (an
    # organisation it names) and of "US intelligence reportedly": not on CNN's, which it
    # cites for the final-decision claim only
    claim = _drone_claim(items)
    own = [a for a in claim["attributions"] if a["article_id"] == seeds["004"].id]
    assert own and all(a["source_type"] != "media" for a in own)
    assert any("Institute for the Study of War" in (a["source"] or {}).get("text", "")
               for a in own)


def test_anomalies(items: dict, seeds: dict[str, Article]) -> None:
    kinds = {(a["kind"], tuple(a["article_ids"])) for a in items["anomalies"]}
    assert ("date-content-conflict", (seeds["002"].id,)) in kinds
    assert ("translation-artifacts", (seeds["001"].id,)) in kinds
    assert ("repost-channel", (seeds["001"].id,)) in kinds
    conflict = next(a for a in items["anomalies"] if a["kind"] == "date-content-conflict")
    assert conflict["evidence"]["stated_date"] == "2023-01-30"
    assert conflict["evidence"]["implied_date"].startswith("2022-03")
    assert "three weeks after its invasion" in conflict["evidence"]["sentence"]


def test_no_conflict_when_the_date_fits() -> None:
    text = "Nearly three weeks after its invasion of Ukraine, Russia has lagged behind."
    fits = Article(id=article_id(text), source="x", text=text, published="2022-03-16")
    assert date_conflicts([fits]) == []


def test_graph_json_and_graphml(items: dict, tmp_path: Path) -> None:
    graph = provenance_graph(items)
    kinds = {e["kind"] for e in graph["edges"]}
    # the typed edges the dossier's legend names (provenance.graph.EDGE_KINDS)
    assert {"copy", "cites", "published", "origin"} <= kinds
    for story in items["stories"]:
        sub = graph["stories"][story["id"]]
        ids = {n["id"] for n in sub["nodes"]}
        assert set(story["article_ids"]) <= ids
    assert any(n["origin"] for n in graph["nodes"])
    json_path, graphml_path = write_graph_files(items, tmp_path)
    assert json.loads(json_path.read_text())["nodes"]
    root = ET.parse(graphml_path).getroot()
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    assert len(root.findall(f"{ns}graph/{ns}node")) == len(graph["nodes"])
    assert len(root.findall(f"{ns}graph/{ns}edge")) == len(graph["edges"])
