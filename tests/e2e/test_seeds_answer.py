"""The seeds read as an analyst reads them (issue 16), on the pipeline's own report.

``tests/fixtures/seeds_report.json`` is the pipeline's report on the seeds;
``tests/cli/test_cli.py`` checks that it still is.
"""

from __future__ import annotations

import pytest

from tests.conftest import SEED_000, SEED_001, SEED_002, SEED_004
from tests.fixtures.load import fixture_report


@pytest.fixture(scope="module")
def report() -> dict:
    return fixture_report()


def _article(report: dict, name: str) -> str:
    return next(a["id"] for a in report["articles"] if a["source"] == name)


def test_002_is_dated_by_its_content_and_first_reports_nothing_of_2023(report) -> None:
    republished = _article(report, SEED_002)
    for story in report["stories"]:
        for event in story["events"]:
            if republished in event["article_ids"]:
                assert event["date"].startswith("2022-03"), event["date"]
    for claim in report["claims"]:
        first = claim.get("first_reporter") or {}
        if first.get("id") == republished:
            assert (first.get("date") or "").startswith("2022"), claim["text"]


def test_denials_deny_claims_of_their_own_time_and_questions_deny_nothing(report) -> None:
    by_id = {c["id"]: c for c in report["claims"]}
    drone = {_article(report, name) for name in (SEED_000, SEED_001, SEED_004)}
    republished = _article(report, SEED_002)
    for claim in report["claims"]:
        if claim["kind"] != "denial":
            continue
        cue = claim["attributions"][0]["cue"]["text"].lower()
        assert "ask" not in cue, claim["text"]  # "reporters asked whether ..." denies nothing
        if republished in claim["article_ids"]:  # March 2022: Peskov, "had not asked China"
            for target in claim["denies"]:
                assert not set(by_id[target]["article_ids"]) <= drone, by_id[target]["text"]


def test_the_summary_speaks_for_the_original_not_its_copy(report) -> None:
    texts = [s["summary"] for s in report["stories"]] + [
        e["summary"] for s in report["stories"] for e in s["events"]]
    assert not any("price and quality" in t for t in texts)
    assert any("price and size of the equipment are ongoing" in t for t in texts)


def test_a_copy_rewording_a_statement_joins_its_claim(report) -> None:
    original, copy = _article(report, SEED_000), _article(report, SEED_001)
    price = [c for c in report["claims"]
             if any("price and size" in a["content"]["text"] for a in c["attributions"])]
    assert len(price) == 1
    contents = [a["content"]["text"] for a in price[0]["attributions"]]
    assert any("price and quality" in t for t in contents)  # 001's drifted wording
    assert {original, copy} <= set(price[0]["article_ids"])
    assert price[0]["independent_sources"] == 1  # a copy is no second source


def test_he_said_is_the_person_named_before_it(report) -> None:
    names = {e["id"]: e["name"] for e in report["entities"]}
    pronouns = [a for c in report["claims"] for a in c["attributions"]
                if a["source"] and a["source"]["text"].lower() in ("he", "she")]
    assert pronouns  # 002: Peskov said, “No.” “Russia has an independent capacity ...,” he said.
    assert all(names.get(a["source_entity"]) == "Dmitry Peskov" for a in pronouns)
    assert all(a["source_type"] == "named" for a in pronouns)


def test_entities_are_typed_and_cut_as_a_reader_would(report) -> None:
    kind = {e["name"]: e["type"] for e in report["entities"]}
    # "Mary Ilyushina and Camila Schick contributed to this report."
    assert kind.get("Camila Schick") == "person" and kind.get("Mary Ilyushina") == "person"
    assert kind.get("Rosatom") == "organization"  # "nuclear power company Rosatom"
    assert "National Security Adviser" not in kind  # a title, not an entity
    assert not [name for name in kind if name.count("(") != name.count(")")]
    assert "Treasury’s Office of Foreign Assets Control (OFAC)" in kind


def test_the_copy_shows_its_invented_quotation_and_no_noise(report) -> None:
    [edge] = report["reuse"]
    changes = edge["changes"]
    invented = [c for c in changes if c["type"] == "quotation" and c["direction"] == "added"]
    assert any("it does not seem that beijing has made a final decision yet" in c["to"]
               for c in invented)  # 000 reports it indirectly; 001 quotes it
    meanings = {(c["from"], c["to"]) for c in changes if c["type"] == "meaning"}
    assert ("size", "quality") in meanings and ("sources", "yet") not in meanings


def test_a_denial_denies_what_someone_else_said_not_its_own_words(report) -> None:
    # 002: "Putin's spokesman Dmitry Pesco also denied the allegations, saying that Moscow
    # had the capability ...": the allegations are the US officials' (the Kremlin's
    # request), not the rest of Peskov's own sentence
    by_id = {c["id"]: c for c in report["claims"]}
    peskov = next(c for c in report["claims"]
                  if c["kind"] == "denial" and "denied the allegations" in c["text"])
    assert peskov["denies"]
    for target_id in peskov["denies"]:
        target = by_id[target_id]
        assert "Moscow had the capability" not in target["text"]
        assert "Kremlin" in target["text"]
    for denial in (c for c in report["claims"] if c["kind"] == "denial"):
        deniers = {(a.get("source") or {}).get("text") for a in denial["attributions"]}
        for target_id in denial["denies"]:
            speakers = {(a.get("source") or {}).get("text")
                        for a in by_id[target_id]["attributions"]}
            assert speakers != deniers, (denial["text"], by_id[target_id]["text"])


def test_zhao_lijians_rebuttal_is_a_denial_with_its_own_quotation(report) -> None:
    # 002: “The United States is spreading malicious information aimed at China,” Zhao
    # Lijian said in a statement on Monday. “China’s position on Ukraine is stable ...”:
    # the quotation of the cue's own sentence is the content, the next one a further part
    zhao = [c for c in report["claims"] if c["kind"] == "denial" and any(
        "Zhao Lijian" in ((a.get("source") or {}).get("text") or "") for a in c["attributions"])]
    assert len(zhao) == 1
    assert "spreading malicious information" in zhao[0]["text"]
    assert "China’s position on Ukraine" not in zhao[0]["text"]


def test_a_rebuttal_denies_the_allegation_its_passage_answers(report) -> None:
    # 002: "China has denied Russia's request for military assistance ... . “The United
    # States is spreading malicious information aimed at China,” Zhao Lijian said": he
    # rebuts the reports that Russia asked China for help, not Sullivan's concerns
    by_id = {c["id"]: c for c in report["claims"]}
    [zhao] = [c for c in report["claims"] if c["kind"] == "denial" and any(
        "Zhao Lijian" in ((a.get("source") or {}).get("text") or "") for a in c["attributions"])]
    assert zhao["denies"]
    for target_id in zhao["denies"]:
        target = by_id[target_id]["text"]
        assert "Russia has asked China" in target and "Sullivan" not in target, target


def test_a_negated_statement_denies_the_claim_of_its_proposition(report) -> None:
    # 000/001: Wang Wenbin's “China ... does not provide arms sales to conflict zones”
    # denies that China is supplying (considering, leaning toward supplying) weapons,
    # never "would significantly escalate China's support" (a claim about something else)
    by_id = {c["id"]: c for c in report["claims"]}
    wang = [c for c in report["claims"] if c["kind"] == "denial"
            and any("does not provide arms sales" in a["content"]["text"]
                    for a in c["attributions"])]
    assert wang
    for denial in wang:
        for target_id in denial["denies"]:
            target = by_id[target_id]["text"]
            assert "China" in target and "escalate" not in target, target
            assert any(verb in target for verb in ("supplying", "providing", "sending")), target
    assert any(d["denies"] for d in wang)


def test_claims_keep_apart_reports_of_different_statements(report) -> None:
    # CNN's sources ("considering supplying Russia with drones") and Der Spiegel's earlier
    # report ("China could supply attack drones") are two statements, not one claim;
    # Der Spiegel's in 000 and its translation in 001 are one
    spiegel = [c for c in report["claims"] if any(
        "Der Spiegel" in ((a.get("source") or {}).get("text") or "") for a in c["attributions"])
        and any("supply" in a["content"]["text"] for a in c["attributions"])]
    assert spiegel
    for claim in spiegel:
        assert not any("considering" in a["content"]["text"] for a in claim["attributions"])
    assert any({_article(report, SEED_000), _article(report, SEED_001)}
               <= set(c["article_ids"]) for c in spiegel)
