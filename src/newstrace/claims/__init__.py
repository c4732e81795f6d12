"""Entities and claims: who said what, name variants merged, who asserts and who denies.

    >>> from newstrace.claims import analyze
    >>> result = analyze(articles, state=None, upstream={})  # doctest: +SKIP
    >>> result.report["claims"][0]["attributions"][0]["source"]  # doctest: +SKIP
    {'text': 'three sources familiar with the intelligence community', 'start': 412, 'end': 466}

One spaCy pass per article paragraph feeds both the entity mentions and the
attributions; mentions are resolved across articles (:mod:`.resolve`), each
attribution's source is linked to its entity, and contents are grouped into
claims with stances and denial links (:mod:`.claims`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from newstrace import parallel
from newstrace.claims.attribution import Attribution, attributions_from_parse
from newstrace.claims.claims import Claim, group_claims, texts_to_embed
from newstrace.claims.entities import Mention, mentions_from_parse
from newstrace.claims.products import (
    MemoryProducts,
    ProductCache,
    decode_extraction,
    encode_extraction,
    extract_kind,
    grouping_vectors,
)
from newstrace.claims.resolve import Entity, resolve
from newstrace.claims.tagger import tag_docs
from newstrace.nlp import embeddings
from newstrace.nlp.fastparse import parse_many
from newstrace.nlp.temporal import trusted_date_of
from newstrace.records import Article
from newstrace.stages import StageContext, StageResult

__all__ = ["Attribution", "Claim", "Entity", "MemoryProducts", "ProductCache", "analyze",
           "extract", "prepare"]


#: Fewer articles than this are parsed in this process alone: a helper's start (spaCy
#: and its model, ~1.5 s) pays off from a few dozen articles (~8 a second a core) on.
MIN_PARALLEL = 24


#: The fewest articles in a part of a shared batch (the parse's batches stay large).
SMALLEST_PART = 4


#: One article's extraction: its mentions and its attributions.
Extraction = tuple[list[Mention], list[Attribution]]


def extract(articles: Sequence[Article], products: ProductCache | None = None
            ) -> tuple[list[Mention], list[Attribution]]:
    """Mentions and attributions of every article, in order.

    A batch of ``MIN_PARALLEL`` articles or more is cut into contiguous parts that
    shrink towards its end (:func:`newstrace.parallel.shrinking_parts`, by text
    length), parsed side by side by :func:`newstrace.parallel.processes` processes,
    each of which also embeds its parts' contents for claim grouping; the result is
    the same. Whoever is free takes the next part no one has started, and the last parts
    are small: on 200 PolNeAR articles the processes end within ~0.1 s of each other.

    ``products``: where each article's extraction is kept (:mod:`.products`). The
    articles it holds a product for are read back, not parsed; the others are parsed
    in one batch as above, and their products saved; the result is the same as
    without it, in the same order.

        >>> from newstrace.claims.products import MemoryProducts
        >>> kept = MemoryProducts()
        >>> first = extract(articles, kept)  # doctest: +SKIP
        >>> extract(articles, kept) == first  # read back: nothing is parsed  # doctest: +SKIP
        True
    """
    articles = list(articles)
    each = _extract_each(articles) if products is None else _extract_kept(articles, products)
    return ([m for mentions, _ in each for m in mentions],
            [a for _, attributions in each for a in attributions])


def prepare(articles: Sequence[Article], products: ProductCache) -> None:
    """Keep the extraction products of ``articles`` that ``products`` does not hold yet
    (one batch for all: a run computes them all at once, before its scopes are
    analysed one by one with :func:`analyze`)."""
    _extract_kept(list(articles), products)


def _extract_kept(articles: list[Article], products: ProductCache) -> list[Extraction]:
    """:func:`_extract_each`, reading the products ``products`` holds and keeping the
    new ones."""
    kind = extract_kind()
    held = products.load(kind, list(dict.fromkeys(a.id for a in articles)))
    each: list[Extraction | None] = [
        decode_extraction(a, held[a.id]) if a.id in held else None for a in articles]
    # the others in one batch (its parallel parts stay large); an article listed twice
    # is parsed once
    missing: dict[tuple[str, str], Article] = {}
    for article, found in zip(articles, each, strict=True):
        if found is None:
            missing.setdefault((article.id, article.text), article)
    if not missing:
        return [found for found in each if found is not None]
    parsed = dict(zip(missing, _extract_each(list(missing.values())), strict=True))
    # encoded now, from the extraction's own output: link_sources changes attributions
    # later. Two texts of one id (ids ignore case and spacing) keep the last one's.
    encoded = {key: encode_extraction(article, *parsed[key]) for key, article in missing.items()}
    products.save(kind, {article.id: encoded[key] for key, article in missing.items()})
    out: list[Extraction] = []
    for article, found in zip(articles, each, strict=True):
        if found is None:
            key = (article.id, article.text)
            # an article listed twice gets objects of its own, as without products
            found = parsed.pop(key, None) or decode_extraction(article, encoded[key])
            assert found is not None, "a product decodes as it was encoded"
        out.append(found)
    return out


def _extract_each(articles: list[Article]) -> list[Extraction]:
    """The mentions and attributions of each article (see :func:`extract`)."""
    processes = parallel.processes()
    if processes < 2 or len(articles) < MIN_PARALLEL:
        return _extract_part(articles, embed=False)[0]
    runs = parallel.shrinking_parts([len(a.text) for a in articles], processes, SMALLEST_PART)
    results = parallel.share(_extract_part, [articles[run.start : run.stop] for run in runs])
    # each part's contents were embedded where it was parsed: remember them here (the
    # parts this process took are in its cache already, and remembering is idempotent)
    for _, texts, vectors in results[1:]:
        embeddings.remember(texts, vectors)
    return [extraction for each, _, _ in results for extraction in each]


def _extract_part(articles: list[Article], embed: bool = True
                  ) -> tuple[list[Extraction], list[str], np.ndarray]:
    """The mentions and attributions of each of ``articles`` (one batched spaCy pass),
    and, if ``embed``, the texts claim grouping will embed with their vectors: in a
    shared job each process embeds its own part (no second pool, no second model start)."""
    parsed = parse_many([a.text for a in articles])
    tag_docs([p.doc for paragraphs in parsed for p in paragraphs])  # one decoding for all
    each: list[Extraction] = []
    for article, paragraphs in zip(articles, parsed, strict=True):
        mentions = mentions_from_parse(article.text, paragraphs)
        for mention in mentions:
            mention.article_id = article.id
        each.append((mentions, attributions_from_parse(article.text, paragraphs, article.id)))
    texts = texts_to_embed([a for _, attributions in each for a in attributions]) if embed else []
    return each, texts, embeddings.encode(texts, share=False)


#: sources that are a person's pronoun, resolved to the person named before them
PERSONAL_PRONOUNS = frozenset({"he", "she"})
#: how far back (characters) a pronoun source looks for the person it stands for
PRONOUN_REACH = 600


def link_sources(attributions: list[Attribution], mentions: list[Mention],
                 entities: list[Entity]) -> None:
    """Set each attribution's ``source_entity`` (and a person's ``named`` type and role);
    a pronoun source ("he said") stands for the person named last before it, within
    :data:`PRONOUN_REACH` characters."""
    entity_of: dict[tuple[str, str], Entity] = {}
    for entity in entities:
        for variant in entity.variants.values():
            for article_id in variant["article_ids"]:
                entity_of[(article_id, variant["text"])] = entity
    by_article: dict[str, list[Mention]] = {}
    for m in mentions:
        by_article.setdefault(m.article_id or "", []).append(m)
    rank = {"person": 0, "organization": 1, "group": 2, "place": 3, "product": 4}
    # people quoted so far in each article, (position, entity id): a pronoun source most
    # often goes on quoting the last of them
    person_sources: dict[str, list[tuple[int, str]]] = {}
    for a in sorted(attributions, key=lambda a: (a.article_id or "",
                                                 a.source.start if a.source else -1)):
        if a.source is None:
            continue
        inside = [m for m in by_article.get(a.article_id or "", [])
                  if a.source.start <= m.start and m.end <= a.source.end]
        inside.sort(key=lambda m: (rank.get(m.type, 9), -m.start))
        if not inside and a.source.text.lower() in PERSONAL_PRONOUNS:
            speaker = _last_speaker(a, person_sources.get(a.article_id or "", []))
            if speaker is not None:  # "Ham explained why ... “...,” he said": Ham again
                a.source_entity, a.source_type = speaker, "named"
                continue
            # else the person named last before it, close by (a pronoun looks back)
            inside = [m for m in by_article.get(a.article_id or "", [])
                      if m.type == "person" and m.end <= a.source.start
                      and a.source.start - m.end <= PRONOUN_REACH][-1:]
            if inside:
                a.source_type = "named"
        if not inside:
            continue
        entity = entity_of.get((a.article_id or "", inside[0].text))
        if entity is None:
            continue
        a.source_entity = entity.id
        if entity.type == "person":
            person_sources.setdefault(a.article_id or "", []).append((a.source.start, entity.id))
        if entity.type == "person" and a.source_type in ("organization", "anonymous"):
            a.source_type = "named"
        if entity.type == "person" and a.source_role:
            entity.roles.append(a.source_role)


def _last_speaker(attribution: Attribution, speakers: list[tuple[int, str]]) -> str | None:
    """The person quoted last before ``attribution``'s pronoun source, within reach."""
    assert attribution.source is not None
    start = attribution.source.start
    before = [(position, entity) for position, entity in speakers
              if position < start and start - position <= PRONOUN_REACH]
    return before[-1][1] if before else None


def copied_statements(attributions: Sequence[Attribution], articles: Sequence[Article],
                      reuse: StageResult | None) -> list[tuple[Attribution, Attribution]]:
    """Pairs (original's, copy's) of one statement in an article and its known copy.

    A rewrite or translation rewords what it copies ("price and size ... ongoing" becomes
    "price and quality ... continuing"): the reuse stage has aligned the copy's sentences
    with the original's, so the attributions found in two aligned sentences are one
    statement, however far apart their wordings are. In a pair of sentences holding the
    same number of attributions they pair in order, else the longest contents pair.
    """
    if reuse is None:
        return []
    text_of = {a.id: a.text for a in articles}
    by_article: dict[str, list[Attribution]] = {}
    for a in attributions:
        by_article.setdefault(a.article_id or "", []).append(a)

    def within(article_id: str, sentence: str) -> list[Attribution]:
        start = text_of.get(article_id, "").find(sentence)
        if start < 0:
            return []
        end = start + len(sentence)
        return sorted((a for a in by_article.get(article_id, [])
                       if start <= a.content.start < end), key=lambda a: a.content.start)

    pairs: list[tuple[Attribution, Attribution]] = []
    for edge in reuse.records.get("edges", []):
        for aligned in edge.aligned:
            ours = within(edge.original, aligned["original"])
            theirs = within(edge.copy, aligned["copy"])
            if not ours or not theirs:
                continue
            if len(ours) != len(theirs):
                ours = [max(ours, key=lambda a: len(a.content.text))]
                theirs = [max(theirs, key=lambda a: len(a.content.text))]
            pairs.extend(zip(ours, theirs, strict=True))
    return pairs


def analyze(articles: Sequence[Article], *, state: dict[str, Any] | None,
            upstream: Mapping[str, StageResult], context: StageContext | None = None,
            products: ProductCache | None = None) -> StageResult:
    """Entities, attributions and claims of ``articles``.

    ``products`` (or the scope's ``context.products``): where each article's parse is
    kept (see :func:`extract`): the articles analysed before are not parsed again,
    and the result is the same.
    """
    if products is None and context is not None:
        products = context.products
    mentions, attributions = extract(articles, products)
    entities = resolve(mentions)
    link_sources(attributions, mentions, entities)
    # a scope analysed again embeds only its new articles' texts: the others' are kept
    vectors = (grouping_vectors(articles, attributions, products)
               if products is not None else None)
    claims = group_claims(attributions, {a.id: trusted_date_of(a)[0]
                                         for a in articles},
                          same_statement=copied_statements(attributions, articles,
                                                           upstream.get("reuse")),
                          vectors=vectors)
    return StageResult(
        report={"entities": [e.to_dict() for e in entities],
                "claims": [c.to_dict() for c in claims]},
        records={"entities": entities, "claims": claims, "attributions": attributions},
    )
