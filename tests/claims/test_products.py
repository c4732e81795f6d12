"""Per-article extraction products: read back, the claims stage gives what a fresh parse gives."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from newstrace import claims
from newstrace.claims import analyze, extract
from newstrace.claims.attribution import Attribution, Span
from newstrace.claims.entities import Mention
from newstrace.claims.products import (
    EXTRACT_VERSION,
    MemoryProducts,
    decode_extraction,
    encode_extraction,
    extract_kind,
)
from newstrace.ingest import iter_inputs
from newstrace.nlp.fastparse import model as fastparse_model
from newstrace.pipeline import clean_one
from newstrace.records import Article

#: what a fresh run (no products) gives, computed once for the module
Fresh = tuple[list[Mention], list[Attribution], dict[str, Any]]


@pytest.fixture(scope="module")
def articles(seeds_dir: Path) -> list[Article]:
    cleaned = [clean_one(doc) for doc in iter_inputs([str(seeds_dir)])]
    found = [a for a in cleaned if isinstance(a, Article)]
    assert len(found) == 4
    return found


@pytest.fixture(scope="module")
def fresh(articles: list[Article]) -> Fresh:
    mentions, attributions = extract(articles)
    return mentions, attributions, analyze(articles, state=None, upstream={}).report


def refuse_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsing fails from now on: the stage's batch extraction, and spaCy itself."""
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("parsed although its product is kept")

    monkeypatch.setattr(claims, "_extract_part", refuse)
    monkeypatch.setattr(fastparse_model, "pipeline", refuse)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The ids of every batch of articles parsed from now on (parsing still works)."""
    batches: list[list[str]] = []
    parse = claims._extract_part

    def counting(articles: list[Article], embed: bool = True) -> Any:
        batches.append([a.id for a in articles])
        return parse(articles, embed)

    monkeypatch.setattr(claims, "_extract_part", counting)
    return batches


def same_report(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Two reports are the same: exactly, but for floats (none today), to within rounding."""
    assert _rounded(ours) == _rounded(theirs)


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def test_products_round_trip_every_field(articles: list[Article], fresh: Fresh) -> None:
    mentions, attributions, _ = fresh
    assert any(a.extra.get("content_parts") for a in attributions)  # the spans in extra
    assert any(a.sentence for a in attributions) and any(m.subtype for m in mentions)
    for article in articles:
        mine = ([m for m in mentions if m.article_id == article.id],
                [a for a in attributions if a.article_id == article.id])
        value = json.loads(json.dumps(encode_extraction(article, *mine)))
        assert decode_extraction(article, value) == mine
        # each object alone, complete (with every text) and compact (given the text)
        for m in mine[0]:
            assert Mention.from_dict(json.loads(json.dumps(m.to_dict()))) == m
            assert Mention.from_dict(m.to_dict(article.text), article.text) == m
        for a in mine[1]:
            assert Attribution.from_product(json.loads(json.dumps(a.to_product()))) == a
            assert Attribution.from_product(a.to_product(article.text), article.text) == a


def test_round_trip_keeps_what_compaction_could_lose() -> None:
    """Spans at offset 0, texts that are no slice of the article, None and False fields,
    another article's id, extra values of every JSON type."""
    text = "He said: “No.” Officials denied it."
    article = Article(id="a1", source="a1.txt", text=text)
    attributions = [
        Attribution(Span("He", 0, 2), Span("said", 3, 7), Span("“No.”", 9, 14), "direct",
                    "named", article_id="a1", sentence=Span("He said: “No.”", 0, 14),
                    extra={"verbs": [], "predicate": False, "score": 0, "note": None}),
        Attribution(None, Span("denied", 25, 31), Span("Something else", 32, 46), "indirect",
                    "unstated", source_role="", via="CNN", denial=True, article_id=None,
                    source_entity="entity-1",
                    extra={"content_parts": [Span("it", 32, 34), Span("it", 0, 2)]}),
        Attribution(Span("Officials", 15, 24), Span("denied", 25, 31), Span("it", 32, 34),
                    "indirect", "anonymous", article_id="another"),
    ]
    mentions = [Mention("He", 0, 2, "person", article_id="a1"),
                Mention("Officials'", 15, 24, "group", subtype="", article_id=None)]
    value = json.loads(json.dumps(encode_extraction(article, mentions, attributions)))
    assert decode_extraction(article, value) == (mentions, attributions)
    assert value["mentions"][0] == {"start": 0, "end": 2, "type": "person"}


def test_warm_products_are_not_parsed_again(articles: list[Article], fresh: Fresh,
                                            counted: list[list[str]],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    mentions, attributions, report = fresh
    products = MemoryProducts()
    cold = analyze(articles, state=None, upstream={}, products=products)
    assert counted == [[a.id for a in articles]]  # one batch for all of them
    same_report(cold.report, report)
    assert sorted(products.values[extract_kind()]) == sorted(a.id for a in articles)
    # the products were kept before link_sources changed the attributions it returned
    assert extract(articles, products) == (mentions, attributions)

    refuse_parsing(monkeypatch)
    warm = analyze(articles, state=None, upstream={}, products=products)
    same_report(warm.report, report)
    again = analyze(articles, state=None, upstream={}, products=products)
    same_report(again.report, report)  # the first warm run changed no product
    # the warm run's attributions are linked as the fresh run's are
    assert [a.source_entity for a in warm.records["attributions"]] == \
        [a.source_entity for a in cold.records["attributions"]]


def test_half_warm_parses_only_the_others(articles: list[Article], fresh: Fresh,
                                          counted: list[list[str]]) -> None:
    mentions, attributions, report = fresh
    products = MemoryProducts()
    extract(articles[1::2], products)
    counted.clear()
    assert extract(articles, products) == (mentions, attributions)  # the same order too
    assert counted == [[a.id for a in articles[0::2]]]
    counted.clear()
    same_report(analyze(articles, state=None, upstream={}, products=products).report, report)
    assert counted == []


def test_another_version_or_text_is_parsed_again(articles: list[Article], fresh: Fresh,
                                                 counted: list[list[str]]) -> None:
    mentions, attributions, report = fresh
    first, second, *rest = articles
    products = MemoryProducts()
    extract(articles, products)
    kind = extract_kind()
    held = products.load(kind, [a.id for a in articles])
    # the same products under another version: never read
    old = f"claims.extract/{EXTRACT_VERSION - 1}-00000000"
    products.values[old] = dict(products.values.pop(kind))
    # under this kind: one of another text (same id), and one that is no product
    stale = encode_extraction(replace(first, text=first.text.upper()), *extract([first]))
    products.save(kind, {first.id: stale, second.id: {"format": "unknown"},
                         **{a.id: held[a.id] for a in rest}})
    counted.clear()
    assert extract(articles, products) == (mentions, attributions)
    assert counted == [[first.id, second.id]]
    # recomputed and kept: read back now
    assert products.load(kind, [first.id])[first.id] == held[first.id]
    counted.clear()
    same_report(analyze(articles, state=None, upstream={}, products=products).report, report)
    assert counted == []


def test_an_article_listed_twice_gets_objects_of_its_own(articles: list[Article]) -> None:
    twice = [articles[0], articles[1], articles[0]]
    plain = extract(twice)
    for products in (MemoryProducts(), None):
        mentions, attributions = extract(twice, products)
        assert (mentions, attributions) == plain
        assert len({id(a) for a in attributions}) == len(attributions)


def test_prepare_keeps_what_analyze_reads(articles: list[Article], fresh: Fresh,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    products = MemoryProducts()
    claims.prepare(articles, products)
    refuse_parsing(monkeypatch)
    claims.prepare(articles, products)  # nothing left to do
    same_report(analyze(articles, state=None, upstream={}, products=products).report,
                fresh[2])


def test_memory_products_keep_json_only() -> None:
    products = MemoryProducts()
    with pytest.raises(TypeError):
        products.save("demo/1", {"a": {"span": Span("x", 0, 1)}})
    value = {"n": [1]}
    products.save("demo/1", {"a": value})
    value["n"].append(2)  # what was saved is a copy
    assert products.load("demo/1", ["a"]) == {"a": {"n": [1]}}
    assert len(extract_kind()) <= 32 and extract_kind().startswith("claims.extract/")


def test_a_scope_analysed_again_embeds_only_its_new_articles(
        articles: list[Article], fresh: Fresh, monkeypatch: pytest.MonkeyPatch) -> None:
    from newstrace.claims.products import vectors_kind
    from newstrace.nlp import embeddings

    _, _, report = fresh
    products = MemoryProducts()
    first = analyze(articles[:3], state=None, upstream={}, products=products)
    assert sorted(products.values[vectors_kind()]) == sorted(a.id for a in articles[:3])
    # a later run, in a new process: nothing in the encoder's cache
    monkeypatch.setattr(embeddings, "_CACHE", type(embeddings._CACHE)())
    embedded: list[str] = []
    encode = embeddings.encode

    def counting(sentences: Any, **kwargs: Any) -> Any:
        embedded.extend(sentences)
        return encode(sentences, **kwargs)

    monkeypatch.setattr(embeddings, "encode", counting)
    again = analyze(articles[:3], state=None, upstream={}, products=products)
    same_report(again.report, first.report)
    from newstrace.claims.claims import texts_to_embed

    kept_texts = set(texts_to_embed(again.records["attributions"]))
    assert kept_texts and not kept_texts & set(embedded)  # read back, not embedded
    embedded.clear()
    whole = analyze(articles, state=None, upstream={}, products=products)
    same_report(whole.report, report)  # with vectors read back: a fresh run's answer
    fourth = [a for a in whole.records["attributions"] if a.article_id == articles[3].id]
    assert set(texts_to_embed(fourth)) <= set(embedded)  # only the new one's, new
    assert not kept_texts & set(embedded)


def test_a_grouping_vectors_product_that_does_not_decode_is_written_anew(
        articles: list[Article]) -> None:
    import numpy as np

    from newstrace.claims.products import unpack_vectors, vectors_kind

    products = MemoryProducts()
    first = analyze(articles[:2], state=None, upstream={}, products=products)
    kept = products.load(vectors_kind(), [articles[0].id])[articles[0].id]
    assert kept["keys"]
    products.save(vectors_kind(), {articles[0].id: {**kept, "vectors": "broken"}})
    again = analyze(articles[:2], state=None, upstream={}, products=products)
    same_report(again.report, first.report)
    written = products.load(vectors_kind(), [articles[0].id])[articles[0].id]
    assert written["keys"] == kept["keys"]
    count = len(kept["keys"])
    assert np.allclose(unpack_vectors(written["vectors"], count),
                       unpack_vectors(kept["vectors"], count), atol=1e-3)
