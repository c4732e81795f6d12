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
    """Claims from attributions of any number of articles, in a deterministic order.

    Vectorised: every content is compared with all claim centres and all earlier
    members in two matrix products, so grouping stays fast for thousands of
    statements.
    """
    if not attributions:
        return []
    contents = embeddings.encode([a.content.text for a in attributions])
    # whole sentences matter only to find what a denial denies: embed just those
    denial_flags = [is_denial(a) for a in attributions]
    denial_rows = [i for i, flag in enumerate(denial_flags) if flag]
    sentences = np.zeros_like(contents)
    if denial_rows:
        sentences[denial_rows] = embeddings.encode(
            [(attributions[i].sentence or attributions[i].content).text for i in denial_rows])
    claims: list[Claim] = []
    denials: list[tuple[Claim, np.ndarray]] = []
    dim = contents.shape[1]
    members = np.zeros((len(attributions), dim), dtype=np.float32)  # grows row by row
    member_claim: list[int] = []
    member_verbs: list[set[str]] = []
    centre_sums = np.zeros((len(attributions), dim), dtype=np.float32)
    for attribution, vector, sentence_vector, denial_flag in zip(
            attributions, contents, sentences, denial_flags, strict=True):
        if denial_flag:
            claim = Claim(_claim_id(attribution), [attribution], [vector], denial=True)
            denials.append((claim, sentence_vector))
            continue
        verbs = set(attribution.extra.get("verbs", ()))
        best = -1
        if claims:
            n = len(claims)
            norms = np.linalg.norm(centre_sums[:n], axis=1)
            centre_sims = (centre_sums[:n] @ vector) / np.where(norms > 0, norms, 1.0)
            scores = np.where(centre_sims >= SAME_CLAIM, centre_sims, 0.0)
            # a member for meaning backed by the same predicate ("consider", "send")
            count = len(member_claim)
            member_sims = members[:count] @ vector
            for i in np.nonzero(member_sims >= SAME_CLAIM_WITH_VERB)[0]:
                if verbs & member_verbs[i]:
                    c = member_claim[i]
                    scores[c] = max(scores[c], member_sims[i])
            if scores.max() > 0:
                best = int(scores.argmax())  # the first claim on a tie: deterministic
        if best < 0:
            claims.append(Claim(_claim_id(attribution)))
            best = len(claims) - 1
        claims[best].attributions.append(attribution)
        claims[best].vectors.append(vector)
        centre_sums[best] += vector
        members[len(member_claim)] = vector
        member_claim.append(best)
        member_verbs.append(verbs)
    # a negated statement by the party a claim is about denies it: "China ... does not
    # provide arms sales to conflict zones" against "China is considering sending drones"
    centres = [claim.centre for claim in claims]
    texts = [claim.text for claim in claims]
    for index, claim in reversed(list(enumerate(claims))):
        if all(NEGATED.search(a.content.text) for a in claim.attributions):
            subject = _subject(claim.attributions[0].content.text)
            vector = centres[index]
            if subject and any(subject in texts[j] and float(centres[j] @ vector)
                               >= DENIES_CLAIM for j in range(len(claims)) if j != index):
                claim.denial = True
                denials.append((claim, vector))
    kept = [i for i, c in enumerate(claims) if not c.denial]
    claims, texts = [claims[i] for i in kept], [texts[i] for i in kept]
    member_matrix = [np.vstack(c.vectors) for c in claims]
    position = {id(a): i for i, a in enumerate(attributions)}
    denials.sort(key=lambda d: position[id(d[0].attributions[0])])
    for denial, sentence_vector in denials:
        target, target_score = None, DENIES_CLAIM
        subject = _subject(denial.attributions[0].content.text)
        for claim, text, matrix in zip(claims, texts, member_matrix, strict=True):
            score = float((matrix @ sentence_vector).max())
            if subject and subject in text:
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
