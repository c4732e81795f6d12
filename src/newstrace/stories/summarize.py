"""Titles and extractive summaries for events and stories, and their timelines.

A title is the headline of the member article nearest the cluster's centre; a
summary picks central sentences from the members' leads with maximal marginal
relevance (MMR), so it covers the cluster without repeating itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from newstrace.nlp.sentences import split_sentences
from newstrace.nlp.similarity import first_best
from newstrace.records import Article
from newstrace.stories.features import terms
from newstrace.stories.tfidf import IncrementalTfidf, cosine

SUMMARY_SENTENCES = 3
LEAD = 6
MMR_LAMBDA = 0.7


def central_article(members: Sequence[Article], vectors: dict[str, np.ndarray]) -> Article:
    """The member closest to the members' mean vector (the first of those tied: both
    members of a pair are equally close in theory)."""
    centre = np.mean([vectors[a.id] for a in members], axis=0)
    return members[first_best([float(vectors[a.id] @ centre) for a in members])]


def title_for(members: Sequence[Article], vectors: dict[str, np.ndarray]) -> str:
    """The central member's headline (or its first sentence, shortened)."""
    article = central_article(members, vectors)
    if article.title:
        return article.title
    first = (split_sentences(article.text) or [article.text])[0]
    return first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "..."


def summary_for(members: Sequence[Article], tfidf: IncrementalTfidf) -> str:
    """One paragraph of central, non-redundant sentences from the members' leads."""
    candidates: list[str] = []
    for article in members:
        for sentence in split_sentences(article.text)[:LEAD]:
            if 40 <= len(sentence) <= 400 and sentence not in candidates:
                candidates.append(sentence)
    if not candidates:
        return ""
    vectors = [tfidf.weigh(Counter(terms(s))) for s in candidates]
    centre: Counter[str] = Counter()
    for v in vectors:
        centre.update(v)
    centroid = tfidf.weigh(centre) if centre else {}
    relevance = [cosine(v, centroid) for v in vectors]
    chosen: list[int] = []
    while len(chosen) < min(SUMMARY_SENTENCES, len(candidates)):
        def mmr(i: int) -> float:
            redundancy = max((cosine(vectors[i], vectors[j]) for j in chosen), default=0.0)
            return MMR_LAMBDA * relevance[i] - (1 - MMR_LAMBDA) * redundancy
        best = max((i for i in range(len(candidates)) if i not in chosen), key=mmr)
        chosen.append(best)
    return " ".join(candidates[i] for i in sorted(chosen))
