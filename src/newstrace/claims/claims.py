"""Claims: what several articles attribute, grouped by meaning, with each article's stance.

Attributed contents are embedded with the multilingual sentence encoder and
grouped greedily (a content joins the claim whose centre it is closest to, above
``SAME_CLAIM``), across articles and languages. A denial ("China has denied...",
"Peskov said, “No.”", "spreading malicious information") is a claim of its own
that names the claim it denies (``denies``), which lists it in ``denied_by``;
the denying article's stance on the denied claim is ``denies``. Otherwise an
article *hedges* a claim when its wording does ("considering", "leaning toward",
"has not made a final decision", "reportedly"), and *reports* it when it only
attributes it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from newstrace.claims.attribution import Attribution
from newstrace.nlp import embeddings

SAME_CLAIM = 0.78  # cosine at which two contents state the same proposition outright
SAME_CLAIM_WITH_VERB = 0.55  # ...or this close and sharing a content verb ("consider", "send")
DENIES_CLAIM = 0.35  # a denial's sentence at least this close to the claim it denies
HEDGES = re.compile(r"\b(consider(?:s|ing)?|lean(?:s|ing)? toward|not (?:yet )?made a final "
                    r"decision|has(?:n’t|n't| not) (?:yet )?made a final decision|may|might|"
                    r"could|likely|possibl[ey]|reportedly|allegedly|suggests?|appears?|seems?|"
                    r"potential)\b", re.I)
DENIAL_WORDS = re.compile(r"\b(denied|denies|deny|denial|false|baseless|groundless|fake news|"
                          r"disinformation|misinformation|malicious information|smear|"
                          r"fabricat\w+|not true|untrue|lies)\b|[“\"]No[.!]?[”\"]", re.I)


@dataclass
class Claim:
    id: str
    attributions: list[Attribution] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)
    denial: bool = False
    denies: list[str] = field(default_factory=list)
    denied_by: list[str] = field(default_factory=list)
    extra_stances: list[dict[str, Any]] = field(default_factory=list)

    @property
    def centre(self) -> np.ndarray:
        return embeddings.mean_vector(np.vstack(self.vectors))

    @property
    def text(self) -> str:
        centre = self.centre
        best = max(range(len(self.attributions)),
                   key=lambda i: (float(self.vectors[i] @ centre), -i))
        return self.attributions[best].content.text.strip("“”\" ")

    @property
    def article_ids(self) -> list[str]:
        return list(dict.fromkeys(a.article_id or "" for a in self.attributions))

    def stances(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for article_id in self.article_ids:
            mine = [a for a in self.attributions if a.article_id == article_id]
            if self.denial:
                stance, evidence = "denies", mine[0].sentence or mine[0].content
            else:
                hedged = [a for a in mine if HEDGES.search(a.content.text)
                          or HEDGES.search(a.cue.text)]
                stance = "hedges" if hedged else "reports"
                evidence = (hedged or mine)[0].content
            out.append({"article_id": article_id, "stance": stance,
                        "evidence": evidence.to_dict() if evidence else None})
        return out + self.extra_stances

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "kind": "denial" if self.denial else "claim",
                "article_ids": self.article_ids,
                "attributions": [a.to_dict() for a in self.attributions],
                "stances": self.stances(), "denies": self.denies, "denied_by": self.denied_by}


NEGATED = re.compile(r"\b(not|never|no|none|neither|nor)\b|n[’']t\b", re.I)


def is_denial(attribution: Attribution) -> bool:
    """A denial by its cue ("denied") or its words ("malicious information", “No.”)."""
    sentence = attribution.sentence.text if attribution.sentence else ""
    return attribution.denial or bool(DENIAL_WORDS.search(attribution.content.text)) or bool(
        re.search(r"[“\"]No[.!]?[”\"]", sentence))


def group_claims(attributions: list[Attribution]) -> list[Claim]:
    """Claims from attributions of any number of articles, in a deterministic order."""
    if not attributions:
        return []
    contents = embeddings.encode([a.content.text for a in attributions])
    sentences = embeddings.encode([(a.sentence or a.content).text for a in attributions])
    claims: list[Claim] = []
    denials: list[tuple[Claim, np.ndarray]] = []
    for attribution, vector, sentence_vector in zip(attributions, contents, sentences,
                                                    strict=True):
        if is_denial(attribution):
            claim = Claim(_claim_id(attribution), [attribution], [vector], denial=True)
            denials.append((claim, sentence_vector))
            continue
        verbs = set(attribution.extra.get("verbs", ()))
        best, best_score = None, 0.0
        for claim in claims:
            # the centre for meaning alone (no chaining through one close member);
            # a member for meaning backed by the same predicate
            centre = float(claim.centre @ vector)
            linked = max((float(v @ vector) for v, a in zip(claim.vectors, claim.attributions,
                                                            strict=True)
                          if verbs & set(a.extra.get("verbs", ()))), default=0.0)
            score = max(centre if centre >= SAME_CLAIM else 0.0,
                        linked if linked >= SAME_CLAIM_WITH_VERB else 0.0)
            if score > best_score:
                best, best_score = claim, score
        if best is None:
            best = Claim(_claim_id(attribution))
            claims.append(best)
        best.attributions.append(attribution)
        best.vectors.append(vector)
    # a negated statement by the party a claim is about denies it: "China ... does not
    # provide arms sales to conflict zones" against "China is considering sending drones"
    for claim in list(claims):
        if all(NEGATED.search(a.content.text) for a in claim.attributions):
            subject = _subject(claim.attributions[0].content.text)
            vector = claim.centre
            if subject and any(subject in other.text and float(other.centre @ vector)
                               >= DENIES_CLAIM for other in claims if other is not claim):
                claim.denial = True
                claims.remove(claim)
                denials.append((claim, vector))
    for denial, sentence_vector in denials:
        target, target_score = None, DENIES_CLAIM
        subject = _subject(denial.attributions[0].content.text)
        for claim in claims:
            score = max(float(v @ sentence_vector) for v in claim.vectors)
            if subject and subject in claim.text:
                score += 0.1  # it is about the denier's own side
            if score > target_score:
                target, target_score = claim, score
        if target is not None:
            denial.denies.append(target.id)
            target.denied_by.append(denial.id)
            attribution = denial.attributions[0]
            target.extra_stances.append({
                "article_id": attribution.article_id, "stance": "denies",
                "evidence": (attribution.sentence or attribution.content).to_dict(),
                "by": attribution.source.text})
    return claims + [d for d, _ in denials]


def _subject(content: str) -> str | None:
    """The capitalised name a content opens with ("China has always...") if any."""
    match = re.match(r"\W*(?:that\s+)?((?:[A-Z][\w’'-]+\s?)+)", content)
    return match.group(1).strip() if match else None


def _claim_id(attribution: Attribution) -> str:
    key = f"{attribution.article_id}:{attribution.content.start}:{attribution.content.text}"
    return "claim-" + hashlib.sha1(key.encode()).hexdigest()[:12]
