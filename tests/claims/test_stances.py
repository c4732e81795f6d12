"""Stances link by proposition (subject, predicate, time), and claims group one statement:
each rule on small constructed texts (issue 16)."""

from __future__ import annotations

from collections.abc import Mapping

from newstrace.claims.attribution import Attribution, attributions_in
from newstrace.claims.claims import Claim, group_claims


def claims_of(texts: Mapping[str, str], dates: Mapping[str, str | None] | None = None,
              same_statement: bool = False) -> list[Claim]:
    """The claims of articles ``{id: text}``; ``same_statement``: the articles' n-th
    attributions are known to be one statement (a copy's, as the reuse stage aligns)."""
    found = {article: attributions_in(text, article) for article, text in texts.items()}
    attributions = [a for each in found.values() for a in each]
    pairs: list[tuple[Attribution, Attribution]] = []
    if same_statement:
        first, *others = found.values()
        pairs = [(a, b) for other in others for a, b in zip(first, other, strict=False)]
    return group_claims(attributions, dates or {}, same_statement=pairs)


def one(claims: list[Claim], words: str) -> Claim:
    [claim] = [c for c in claims if any(words in a.content.text for a in c.attributions)]
    return claim


def denied(claims: list[Claim], denial: Claim) -> list[str]:
    return [c.text for c in claims if c.id in denial.denies]


def test_a_rebuttal_denies_what_the_denial_before_it_denies() -> None:
    # "X is spreading malicious information" states nothing of the matter: it answers the
    # allegation its passage reported, here what the denial just before it denies; not the
    # later statement that shares its words
    claims = claims_of({"a": (
        "Two officials said Russia has asked Norway for military help. A report said the "
        "weather in Oslo was cold this week.\n\nNorway has denied Russia's request for "
        "military help.\n\n“Sweden is spreading malicious information aimed at Norway,” "
        "spokesman Ola Berg said in a statement. Later, an official said that Sweden has "
        "deep concerns about Norway's information policy.")})
    rebuttal = one(claims, "spreading malicious information")
    assert rebuttal.denial
    assert denied(claims, rebuttal) == ["Russia has asked Norway for military help"]
    request = one(claims, "Russia has asked Norway")
    assert {s["by"] for s in request.stances() if s["stance"] == "denies"} >= {
        "spokesman Ola Berg"}


def test_a_rebuttal_answers_the_accused_partys_allegation_before_it() -> None:
    # no denial before it: the allegation the accused party's sources made, not the
    # statement nearest to it nor the one with the closest words
    claims = claims_of({"a": (
        "Swedish officials said Russia has asked Norway for weapons and ammunition. A "
        "weather report said that the winter in Oslo was cold and dark.\n\n“Sweden is "
        "spreading malicious information aimed at Norway,” spokesman Ola Berg said.")})
    rebuttal = one(claims, "spreading malicious information")
    assert denied(claims, rebuttal) == ["Russia has asked Norway for weapons and ammunition"]


def test_a_negated_statement_denies_the_claim_of_its_proposition() -> None:
    # "Norway does not provide weapons" negates what "Norway is considering sending tanks"
    # says Norway does; "the shipment would escalate Norway's support" is about something
    # else (its subject is the shipment), however close its words
    claims = claims_of({"a": (
        "Officials said Norway is considering sending tanks to Poland. The officials said "
        "the shipment would greatly escalate Norway’s support for Poland. Spokesman Ola "
        "Berg said: “Norway has always been careful and does not provide weapons to "
        "warring parties.”")})
    denial = one(claims, "does not provide weapons")
    assert denial.denial
    assert denied(claims, denial) == ["Norway is considering sending tanks to Poland"]
    assert not one(claims, "escalate").denied_by


def test_a_negated_statement_without_a_claim_of_its_proposition_denies_nothing() -> None:
    claims = claims_of({"a": (
        "Officials said the shipment would greatly escalate Norway’s support for Poland. "
        "Spokesman Ola Berg said: “Norway has always been careful and does not provide "
        "weapons to warring parties.”")})
    assert not any(c.denies or c.denied_by for c in claims)


def test_sources_reporting_a_negation_deny_nothing() -> None:
    # "sources said Norway has not made a final decision" reports; it is no one's denial
    claims = claims_of({"a": (
        "Officials said Norway is considering sending tanks to Poland. Three sources said "
        "Norway has not sent any tanks to Poland yet.")})
    assert not any(c.denies for c in claims)


def test_a_denial_denies_only_a_claim_of_its_own_time() -> None:
    # a 2022 "was not sending drones" answers nothing reported in 2023 (Peskov's March
    # 2022 "had not asked China for help" is no answer to the February 2023 drone report)
    texts = {"a": "Sources said China is considering sending drones to Russia.",
             "b": "Spokesman Dmitry Peskov said China was not sending drones to Russia."}
    apart = claims_of(texts, {"a": "2023-02-24", "b": "2022-03-17"})
    assert not any(c.denies for c in apart)
    assert len(apart) == 2  # nor is it a member of the claim it negates
    close = claims_of(texts, {"a": "2023-02-24", "b": "2023-02-26"})
    denial = one(close, "was not sending")
    assert denied(close, denial) == ["China is considering sending drones to Russia"]


def test_different_statements_about_the_same_things_stay_apart() -> None:
    # intelligence that China is considering supplying drones, and an outlet's report that
    # it could supply them: two statements (their main predicates differ)
    claims = claims_of({"a": "Three sources said China is considering supplying drones to Russia.",
                        "b": "Der Spiegel reported that China could supply attack drones to "
                             "Russia."})
    assert len(claims) == 2


def test_one_statement_made_a_year_apart_is_two_claims() -> None:
    texts = {"a": "Officials said China is considering sending drones and ammunition to Russia.",
             "b": "Officials said China is considering sending drones and munitions to Russia."}
    assert len(claims_of(texts, {"a": "2023-02-24", "b": "2022-01-10"})) == 2
    [claim] = claims_of(texts, {"a": "2023-02-24", "b": "2023-02-20"})
    assert claim.article_ids == ["a", "b"]


def test_a_copys_rewording_joins_the_original_statement() -> None:
    # a rewrite's "price and quality ... continuing" is the original's "price and size ...
    # ongoing" (the reuse stage aligned the two sentences)
    claims = claims_of({
        "a": "The sources said negotiations over the price and size of the equipment are "
             "ongoing.",
        "b": "The sources added that negotiations over the price and quality of the "
             "equipment are continuing."}, same_statement=True)
    [claim] = claims
    assert claim.article_ids == ["a", "b"]


def test_every_article_of_a_copied_denial_denies() -> None:
    claims = claims_of({
        "a": "Officials said Norway is considering sending tanks to Poland. Spokesman Ola "
             "Berg said: “Norway does not provide weapons to warring parties.”",
        "b": "Officials said Norway is considering sending tanks to Poland. Spokesman Ola "
             "Berg said: “Norway does not provide any weapons to warring parties.”"},
        same_statement=True)
    tanks = one(claims, "considering sending tanks")
    assert {(s["article_id"], s["stance"]) for s in tanks.stances()} >= {
        ("a", "denies"), ("b", "denies")}


def test_the_frame_of_a_content() -> None:
    [told] = [a for a in attributions_in(
        "Three sources told CNN that US officials suggest the Chinese government is "
        "considering supplying Russia with drones.") if a.via == "CNN"]
    frame = told.extra["frame"]
    # the nested report is looked through: the government considers supplying
    assert frame["subject"] == "the Chinese government" and frame["names"] == ["Chinese"]
    assert frame["heads"] == ["consider"]
    assert frame["events"] == [["supply", "supplying Russia with drones", False]]
    [said] = attributions_in("Berg said: “Norway has always been careful and does not "
                             "provide weapons to warring parties.”")
    events = said.extra["frame"]["events"]
    assert ["provide", "provide weapons to warring parties", True] in events
    [stance] = attributions_in("Officials said China’s stance on Ukraine could be "
                               "understood as advancing peace talks.")
    assert stance.extra["frame"]["names"] == []  # a possessor is not what it is about
