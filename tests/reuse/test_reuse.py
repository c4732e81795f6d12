"""Reuse detection: seeds end to end, and each mechanism on small inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from newstrace.ingest import iter_inputs
from newstrace.nlp.sentences import split_sentences
from newstrace.pipeline import clean_one
from newstrace.records import Article, article_id
from newstrace.reuse import ReuseIndex, analyze
from newstrace.reuse.changes import replaced_phrases, sentence_changes


def art(text: str, **meta: object) -> Article:
    return Article(id=article_id(text), source="t", text=text, **meta)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def seeds(seeds_dir: Path) -> dict[str, Article]:
    cleaned = [clean_one(doc) for doc in iter_inputs([str(seeds_dir)])]
    return {Path(a.source).name[:3]: a for a in cleaned if isinstance(a, Article)}


@pytest.fixture(scope="module")
def seed_result(seeds: dict[str, Article]):
    return analyze(list(seeds.values()), state=None, upstream={})


def test_seed_001_is_a_rewrite_of_000_and_nothing_else_is_reuse(seeds, seed_result) -> None:
    edges = seed_result.report["reuse"]
    assert len(edges) == 1
    edge = edges[0]
    assert (edge["original"], edge["copy"]) == (seeds["000"].id, seeds["001"].id)
    assert edge["kind"] in ("rewrite", "translation")
    assert len(edge["aligned"]) >= 11 and edge["coverage"] >= 0.8  # 13 of 14 sentences
    assert any("syndication footer" in e for e in edge["direction_evidence"])
    meaning = {(c["from"], c["to"]) for c in edge["changes"] if c["type"] == "meaning"}
    assert ("size", "quality") in meaning
    dropped = [w for c in edge["changes"] if c["type"] == "qualifier" for w in c["from"]]
    assert "deadly" in dropped
    kinds = {c["type"] for c in edge["changes"]}
    assert {"omitted", "added"} <= kinds
    assert seed_result.report["anomalies"] == []  # 001 states no date: no republication claim


def test_state_round_trip_and_incremental_add(seeds, seed_result) -> None:
    first = analyze([seeds["000"], seeds["002"]], state=None, upstream={})
    assert first.report["reuse"] == []
    # a later run with only the new article finds its original among the indexed ones
    later = analyze([seeds["001"], seeds["000"]], state=first.state, upstream={})
    assert [(e["original"], e["copy"]) for e in later.report["reuse"]] == [
        (seeds["000"].id, seeds["001"].id)
    ]
    index = ReuseIndex.from_state(later.state)
    assert len(index) == 3 and seeds["002"].id in index


def test_exact_and_near_duplicates_and_republication() -> None:
    body = (
        "The council approved the new budget on Tuesday after a long debate. "
        "The mayor said the plan would fund three new schools. "
        "Opposition members said the costs were too high and voted against it. "
        "The budget takes effect in January and runs for two years."
    )
    original = art(body, published="2021-03-02", outlet="City Paper")
    duplicate = Article(
        id=article_id(body, "https://x.example"),
        source="u",
        text=body,
        url="https://x.example",
        published="2023-05-01",
        outlet="Farm",
    )
    near = art(
        body.replace("three new schools", "three new schools and a library"), published="2021-03-03"
    )
    result = analyze([original, duplicate, near], state=None, upstream={})
    kinds = {(e["original"], e["copy"]): e["kind"] for e in result.report["reuse"]}
    assert kinds[(original.id, duplicate.id)] == "duplicate"
    assert kinds[(original.id, near.id)] == "near-duplicate"
    republished = [a for a in result.report["anomalies"] if a["kind"] == "republication"]
    assert {tuple(a["article_ids"]) for a in republished} >= {(original.id, duplicate.id)}
    evidence = next(a["evidence"] for a in republished if a["article_ids"][1] == duplicate.id)
    assert (evidence["original_published"], evidence["copy_published"]) == (
        "2021-03-02",
        "2023-05-01",
    )


def test_translation_across_languages() -> None:
    english = art(
        "The government announced new sanctions against the company on Monday. "
        "The measures freeze its assets in Europe. "
        "Officials said the company had helped evade export controls. "
        "The company denied any wrongdoing.",
        published="2023-02-24",
    )
    german = art(
        "Die Regierung kündigte am Montag neue Sanktionen gegen das Unternehmen an. "
        "Die Maßnahmen frieren sein Vermögen in Europa ein. "
        "Beamte sagten, das Unternehmen habe geholfen, Exportkontrollen zu umgehen. "
        "Das Unternehmen bestritt jedes Fehlverhalten.",
        published="2023-02-25",
    )
    unrelated = art(
        "Der Fußballverein gewann am Samstag das Pokalfinale mit drei zu eins. "
        "Die Fans feierten bis spät in die Nacht in der Innenstadt. "
        "Der Trainer lobte die Mannschaft für ihre Geduld."
    )
    edges = analyze([english, german, unrelated], state=None, upstream={}).report["reuse"]
    assert [(e["original"], e["copy"], e["kind"]) for e in edges] == [
        (english.id, german.id, "translation")
    ]


def test_sentence_changes_typed() -> None:
    changes = sentence_changes(
        0,
        "Officials said 100 troops will not leave on Monday.",
        0,
        "Officials reportedly said 1000 troops will leave on Friday.",
    )
    kinds = {c["type"]: (c["from"], c["to"]) for c in changes}
    assert kinds["number"] == (["100"], ["1000"])
    assert kinds["date"] == (["monday"], ["friday"])
    assert "negation" in kinds and kinds["hedging"] == ([], ["reportedly"])
    garble = sentence_changes(
        0, "Spokesman Dmitry Peskov denied it.", 0, "Spokesman Dmitry Pesco denied it."
    )
    assert garble[0]["type"] == "name" and garble[0]["garbled"] == [["Peskov", "Pesco"]]
    assert sentence_changes(0, "The US said so.", 0, "The United States said so.") == []
    assert replaced_phrases(
        "talks over the price and size of the deal", "talks over the price and quality of the deal"
    ) == [("size", "quality")]


def test_sentence_splitting_keeps_abbreviations() -> None:
    assert split_sentences("U.S. officials met Mr. Wang on Feb. 24. He said no.") == [
        "U.S. officials met Mr. Wang on Feb. 24.",
        "He said no.",
    ]


def test_add_many_finds_the_same_edges_as_add_one_by_one(seeds) -> None:
    articles = [seeds[k] for k in sorted(seeds)]
    one_by_one = ReuseIndex()
    single = [e.to_dict() for a in articles for e in one_by_one.add(a)]
    batched = ReuseIndex()
    many = [e.to_dict() for e in batched.add_many([*articles, articles[0]])]  # a repeat too
    assert many == single and len(single) == 1
    assert batched.add_many(articles) == []  # all known already
    assert list(batched.order) == list(one_by_one.order)


def test_lsh_band_keys_find_what_datasketch_finds() -> None:
    # the index keeps datasketch's band hashes as table keys: a lookup by them must give
    # the candidates MinHashLSH.query gives, on real texts with near duplicates among them
    import json

    from datasketch import MinHashLSH

    from newstrace.reuse.fingerprints import NUM_PERM, minhash
    from newstrace.reuse.index import NEAR_DUPLICATE_JACCARD
    from tests.conftest import SHARED_DATA

    lines = (SHARED_DATA / "ecbplus" / "dev.jsonl").read_text().splitlines()[:120]
    texts = [json.loads(line)["text"] for line in lines]
    texts += [t.replace(" the ", " a ", 3) for t in texts[:20]]  # near duplicates
    signatures = {f"a{n}": minhash(t) for n, t in enumerate(texts)}
    lsh = MinHashLSH(threshold=NEAR_DUPLICATE_JACCARD, num_perm=NUM_PERM)
    index = ReuseIndex()
    by_key: dict[str, set[str]] = {}
    for name, signature in signatures.items():
        lsh.insert(name, signature)
        for key in index.keys(_entry(name, signature))[1 : 1 + len(index.lsh.hashranges)]:
            by_key.setdefault(key, set()).add(name)
    pairs = 0
    for name, signature in signatures.items():
        keys = index.keys(_entry(name, signature))[1 : 1 + len(index.lsh.hashranges)]
        ours = set().union(*(by_key[k] for k in keys))
        assert ours == set(lsh.query(signature)), name
        pairs += len(ours) - 1
    assert pairs >= 20  # the near duplicates were found


def _entry(name: str, signature):
    import numpy as np

    from newstrace.reuse.entries import Entry

    return Entry(Article(id=name, source=name, text=""), [], np.zeros((0, 512), np.float32),
                 np.ones(512, np.float32) / np.sqrt(512), signature, name, None)


def test_an_index_in_a_store_finds_the_edges_of_one_in_memory(seeds, tmp_path) -> None:
    from newstrace.reuse.tables import StoredTables
    from newstrace.store import Store, raw_digest

    articles = [seeds[k] for k in sorted(seeds)]
    in_memory = [e.to_dict() for e in ReuseIndex().add_many(articles)]
    with Store.open(str(tmp_path / "s.db")) as store:
        store.add_articles([(a, raw_digest(a.text)) for a in articles])
        count = 0
        found = []
        for article in articles:  # one run an article: each reads the tables anew
            tables = StoredTables(store.key_index("reuse"), store.products, store.get_many,
                                  count)
            found += [e.to_dict() for e in ReuseIndex(tables).add_many([article])]
            count = tables.count
        assert found == in_memory and len(found) == 1
        again = StoredTables(store.key_index("reuse"), store.products, store.get_many, count)
        assert ReuseIndex(again).add_many(articles) == []  # all indexed already


def test_an_edge_without_evidence_is_the_same_whichever_arrived_first(seeds) -> None:
    import dataclasses

    # 001 restates 000 (a rewrite); without dates, footer or credits nothing says which
    # came first: the edge, its kind and its alignment must not depend on arrival
    bare = {k: dataclasses.replace(seeds[k], published=None, boilerplate=[], outlet=None)
            for k in ("000", "001")}
    edges = []
    for order in (("000", "001"), ("001", "000")):
        index = ReuseIndex()
        found = [e for k in order for e in index.add(bare[k])]
        assert len(found) == 1
        edges.append(found[0])
    first, second = edges
    assert (first.original, first.copy, first.kind) == (second.original, second.copy,
                                                        second.kind)
    assert first.score == pytest.approx(second.score, abs=1e-6)
    assert [(p["original_index"], p["copy_index"]) for p in first.aligned] == [
        (p["original_index"], p["copy_index"]) for p in second.aligned]
    assert first.direction_confidence == 0.3
    assert "canonical order" in " ".join(first.direction_evidence)
    assert first.original == min(first.original, first.copy)  # undated: by id
