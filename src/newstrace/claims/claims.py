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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from newstrace.claims.attribution import Attribution, Span
from newstrace.nlp import embeddings
from newstrace.nlp.similarity import first_best
from newstrace.nlp.temporal import iso_day

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
        """The normalised mean of the members' vectors (remembered until a member joins)."""
        remembered = self.__dict__.get("_centre")
        if remembered is None or remembered[0] != len(self.vectors):
            remembered = (len(self.vectors), embeddings.mean_vector(np.vstack(self.vectors)))
            self.__dict__["_centre"] = remembered
        return remembered[1]

    @property
    def text(self) -> str:
        if self.denial and not is_proposition(self.attributions[0]):
            # "No.", "the allegations": the denial's sentence says what is denied
            return _sentence(self.attributions[0]).text.strip()
        if len(self.attributions) == 1:
            best = 0
        else:
            # both members of a pair are equally close to their centre: the first wins
            centre = self.centre
            best = first_best([float(v @ centre) for v in self.vectors])
        return self.attributions[best].content.text.strip("“”\" ")

    @property
    def article_ids(self) -> list[str]:
        return list(dict.fromkeys(a.article_id or "" for a in self.attributions))

    def stances(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for article_id in self.article_ids:
            mine = [a for a in self.attributions if a.article_id == article_id]
            if self.denial:
                stance, evidence = "denies", _sentence(mine[0])
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


_SAYS_NO = re.compile(r"[“\"]No[.!]?[”\"]")


#: a cue or content that asks: "reporters asked whether ... was true" denies nothing
_ASKS = re.compile(r"\b(ask(?:s|ed|ing)?|wonder(?:s|ed)?|question(?:s|ed)?)\b", re.I)
_WHETHER = re.compile(r"^\W*(whether|if)\b", re.I)


def _asks(attribution: Attribution) -> bool:
    return bool(_ASKS.search(attribution.cue.text) or _WHETHER.search(attribution.content.text))


def is_denial(attribution: Attribution) -> bool:
    """A denial by its cue ("denied") or its words ("malicious information", “No.”);
    a question is none ("reporters asked whether Russia's request was true").

    >>> from newstrace.claims.attribution import Span
    >>> asked = Attribution(Span("reporters", 0, 9), Span("asked", 10, 15),
    ...                     Span("whether the request was false", 16, 45), "indirect", "anonymous")
    >>> is_denial(asked)
    False
    """
    if _asks(attribution):
        return False
    return (attribution.denial or bool(DENIAL_WORDS.search(attribution.content.text))
            or bool(attribution.sentence and _SAYS_NO.search(attribution.sentence.text)))


#: a claim states a proposition: at least this many words, with a predicate (a verb or an
#: auxiliary); "that", "to comment", "the allegations", "Ukrainian infrastructure and
#: civilian areas" are attributed fragments, not claims
MIN_PROPOSITION_WORDS = 4


def is_proposition(attribution: Attribution) -> bool:
    """Whether an attribution's content states something a claim can be made of.

    >>> from newstrace.claims.attribution import Span
    >>> said = lambda text, predicate: Attribution(  # noqa: E731
    ...     Span("He", 0, 2), Span("said", 3, 7), Span(text, 8, 8 + len(text)), "indirect",
    ...     "named", extra={"predicate": predicate})
    >>> is_proposition(said("that", False)), is_proposition(said("China is a partner", True))
    (False, True)
    >>> is_proposition(said("Ukrainian infrastructure and civilian areas", False))
    False
    """
    return (len(attribution.content.text.split()) >= MIN_PROPOSITION_WORDS
            and bool(attribution.extra.get("predicate", True)))

#: Earlier contents a new one is compared with (those at least ``NEIGHBOUR_FLOOR`` close,
#: nearest first): grouping costs one blocked matrix product and a bounded loop, not a
#: comparison with every claim so far for every content.
NEIGHBOURS = 64
NEIGHBOUR_FLOOR = 0.5


def _earlier_neighbours(vectors: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each row: (indices, cosines) of the earlier rows at least ``NEIGHBOUR_FLOOR``
    close to it, nearest first (earliest first on a tie), at most ``NEIGHBOURS``.

    >>> v = np.array([[1, 0], [1, 0], [0, 1]], dtype=np.float32)
    >>> [idx.tolist() for idx, _ in _earlier_neighbours(v)]
    [[], [0], []]
    """
    n = len(vectors)
    step = max(64, min(1024, (1 << 26) // max(n, 1)))  # a block stays under 256 MB
    out: list[tuple[np.ndarray, np.ndarray]] = []
    for start in range(0, n, step):
        block = vectors[start : start + step] @ vectors[: start + step].T
        # the close earlier rows of the whole block at once, row by row in order
        close = block >= NEIGHBOUR_FLOOR
        close &= np.arange(block.shape[1])[None, :] < (start + np.arange(len(block)))[:, None]
        rows, cols = np.nonzero(close)
        bounds = np.searchsorted(rows, np.arange(len(block) + 1))
        for r in range(len(block)):
            idx = cols[bounds[r] : bounds[r + 1]]
            row = block[r]
            if len(idx) > NEIGHBOURS:
                idx = idx[np.argsort(-row[idx], kind="stable")[:NEIGHBOURS]]
            out.append((idx, row[idx]))
    return out


def group_claims(attributions: list[Attribution],
                 dates: Mapping[str, str | None] | None = None,
                 same_statement: Sequence[tuple[Attribution, Attribution]] = ()
                 ) -> list[Claim]:
    """Claims from attributions of any number of articles, in a deterministic order.

    A content joins the claim whose centre it is closest to (at least ``SAME_CLAIM``),
    or the claim of a close earlier content that shares one of its verbs (at least
    ``SAME_CLAIM_WITH_VERB``); only the claims of its nearest earlier contents are
    candidates (:func:`_earlier_neighbours`). ``dates``: each article's trusted date
    (:func:`newstrace.nlp.temporal.trusted_date`), so that a denial is tied only to a
    claim of its own time. ``same_statement``: pairs of attributions known to be one
    statement (an original's and its copy's, aligned by the reuse stage): the later of
    the two joins the claim of the earlier.
    """
    attributions, denial_flags = _claimable(attributions)
    if not attributions:
        return []
    contents = embeddings.encode([a.content.text for a in attributions])
    denial_rows = [i for i, flag in enumerate(denial_flags) if flag]
    sentences = np.zeros_like(contents)
    if denial_rows:
        sentences[denial_rows] = embeddings.encode(
            [_sentence(attributions[i]).text for i in denial_rows])
    neighbours = _earlier_neighbours(contents)
    position = {id(a): i for i, a in enumerate(attributions)}
    earlier_twin: dict[int, int] = {}  # an attribution -> the earlier one it restates
    for first, second in same_statement:
        i, j = position.get(id(first)), position.get(id(second))
        if i is not None and j is not None and i != j:
            earlier_twin.setdefault(max(i, j), min(i, j))
    claims: list[Claim] = []
    denials: list[tuple[Claim, np.ndarray]] = []
    claim_of = [-1] * len(attributions)  # the claim each content joined; -1 for a denial
    verbs_of: list[set[str]] = [set(a.extra.get("verbs", ())) for a in attributions]
    centre_sums: list[np.ndarray] = []
    for i, (attribution, vector) in enumerate(zip(attributions, contents, strict=True)):
        if denial_flags[i]:
            claim = Claim(_claim_id(attribution), [attribution], [vector], denial=True)
            denials.append((claim, sentences[i]))
            continue
        twin = earlier_twin.get(i)
        if twin is not None and claim_of[twin] >= 0:  # a copy's rewording of a statement
            c = claim_of[twin]
        else:
            c = _closest_claim(i, vector, neighbours[i], claim_of, centre_sums, verbs_of)
        if c < 0:
            claims.append(Claim(_claim_id(attribution)))
            centre_sums.append(np.zeros_like(vector))
            c = len(claims) - 1
        claims[c].attributions.append(attribution)
        claims[c].vectors.append(vector)
        centre_sums[c] = centre_sums[c] + vector
        claim_of[i] = c
    # a negated statement by the party a claim is about denies it: "China ... does not
    # provide arms sales to conflict zones" against "China is considering sending drones"
    centres = np.vstack([claim.centre for claim in claims]) if claims else contents[:0]
    texts = [claim.text for claim in claims]
    negated = [(index, subject) for index, claim in reversed(list(enumerate(claims)))
               if all(NEGATED.search(a.content.text) for a in claim.attributions)
               and (subject := _subject(claim.attributions[0].content.text))]
    for start in range(0, len(negated), 256):  # one matrix product per block of them
        block = negated[start : start + 256]
        similarities = centres[[index for index, _ in block]] @ centres.T
        for (index, subject), row in zip(block, similarities, strict=True):
            close = np.flatnonzero(row >= DENIES_CLAIM)
            if any(j != index and subject in texts[j] for j in close.tolist()):
                claims[index].denial = True
                denials.append((claims[index], centres[index]))
    kept = [i for i, c in enumerate(claims) if not c.denial]
    claims, texts = [claims[i] for i in kept], [texts[i] for i in kept]
    denials.sort(key=lambda d: position[id(d[0].attributions[0])])
    if claims and denials:
        _link_denials(claims, texts, [d for d, _ in denials], [v for _, v in denials],
                      dates or {})
    return claims + [d for d, _ in denials]


def _closest_claim(i: int, vector: np.ndarray, neighbours: tuple[np.ndarray, np.ndarray],
                   claim_of: list[int], centre_sums: list[np.ndarray],
                   verbs_of: list[set[str]]) -> int:
    """The claim content ``i`` joins among its earlier neighbours' claims (-1: none):
    the one whose centre is closest (at least ``SAME_CLAIM``), or that of a close
    neighbour sharing a content verb (at least ``SAME_CLAIM_WITH_VERB``)."""
    scores: dict[int, float] = {}
    for j, sim in zip(*neighbours, strict=True):
        c = claim_of[j]
        if c < 0:
            continue
        if c not in scores:
            total = centre_sums[c]
            norm = float(np.sqrt(total.dot(total)))  # np.linalg.norm, without its checks
            centre_sim = float(total @ vector) / norm if norm else 0.0
            scores[c] = centre_sim if centre_sim >= SAME_CLAIM else 0.0
        # a member for meaning backed by the same predicate ("consider", "send")
        if sim >= SAME_CLAIM_WITH_VERB and verbs_of[i] & verbs_of[j]:
            scores[c] = max(scores[c], float(sim))
    close = sorted(c for c, score in scores.items() if score > 0)
    # the first claim on a tie, on every machine
    return close[first_best([scores[c] for c in close])] if close else -1


def _claimable(attributions: list[Attribution]) -> tuple[list[Attribution], list[bool]]:
    """What can be claimed or denied, and which of it are denials: propositions, and
    denials whatever their length (the sentence says what they deny: Peskov said, “No.”)."""
    flags = [is_denial(a) for a in attributions]
    kept = [(a, flag) for a, flag in zip(attributions, flags, strict=True)
            if flag or is_proposition(a)]
    return [a for a, _ in kept], [flag for _, flag in kept]


def _sentence(attribution: Attribution) -> Span:
    """The sentence an attribution was found in (its content where none was kept)."""
    return attribution.sentence or attribution.content


def texts_to_embed(attributions: list[Attribution]) -> list[str]:
    """The texts :func:`group_claims` embeds for ``attributions`` (the contents of what
    can be claimed or denied, denials' sentences): a helper that found the attributions
    can embed them as part of its share of a job (:func:`newstrace.nlp.embeddings.remember`)."""
    kept, denial_flags = _claimable(attributions)
    return ([a.content.text for a in kept]
            + [_sentence(a).text for a, flag in zip(kept, denial_flags, strict=True) if flag])


#: a denial answers a claim of its own time: dated articles this many days apart or
#: more are about different things ("had not asked China for help" in March 2022 is no
#: answer to a February-2023 report)
DENIAL_DAYS = 90


def _days(value: str | None) -> int | None:
    """A date's day number (``date.toordinal``), or None."""
    day = iso_day(value)
    return day.toordinal() if day else None


def _link_denials(claims: list[Claim], texts: list[str], denials: list[Claim],
                  sentence_vectors: list[np.ndarray],
                  dates: Mapping[str, str | None]) -> None:
    """Tie each denial to the claim it denies: the claim with the member closest to the
    denial's sentence (a little closer when the claim names the denier's side), among
    the claims of its time (:data:`DENIAL_DAYS`) where both are dated."""
    claim_days = [[d for a in c.attributions if (d := _days(dates.get(a.article_id or "")))]
                  for c in claims]
    # every dated member of every claim, flat: the days and whose claim they are
    day_values = np.array([d for days in claim_days for d in days], dtype=np.int64)
    day_owner = np.array([n for n, days in enumerate(claim_days) for _ in days], dtype=np.int64)
    dated = np.array([bool(days) for days in claim_days])
    # a question ("reporters asked whether ...") asserts nothing: nothing to deny
    questions = np.array([all(_asks(a) for a in c.attributions) for c in claims])
    # every member of every claim in one matrix; a claim's score is its best member's
    sizes = [len(c.vectors) for c in claims]
    all_members = np.vstack([v for c in claims for v in c.vectors])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    bonus: dict[str, np.ndarray] = {}  # per side named: 0.1 for the claims that name it
    best_of_block = np.zeros((0, len(claims)), dtype=np.float32)
    if len(denials) != len(sentence_vectors):
        raise ValueError("one sentence vector per denial")
    for n, denial in enumerate(denials):
        if n % 256 == 0:  # the best member of every claim, for a block of denials at once
            block = np.vstack(sentence_vectors[n : n + 256])
            best_of_block = np.maximum.reduceat(all_members @ block.T, starts, axis=0).T
        best = best_of_block[n % 256]
        subject = _subject(denial.attributions[0].content.text)
        if subject:
            if subject not in bonus:
                bonus[subject] = np.array([0.1 if subject in t else 0.0 for t in texts])
            best = best + bonus[subject]
        best = np.where(questions, -1.0, best)
        when = _days(dates.get(denial.attributions[0].article_id or ""))
        if when is not None and len(day_values):
            # a claim is of another time when none of its dated members is near
            nearest = np.full(len(claims), np.inf)
            np.minimum.at(nearest, day_owner, np.abs(day_values - when))
            best = np.where(dated & (nearest >= DENIAL_DAYS), -1.0, best)
        # a denial denies what someone else said: not its own sentence ("denied the
        # allegations, saying that Moscow had the capability..."), not its speaker's words;
        # looked at from the best down, where it can change the choice
        target_index = first_best(best)  # the first claim on a tie
        while best[target_index] > DENIES_CLAIM and _said_by_the_denier(
                claims[target_index], denial.attributions[0]):
            best = best.copy()
            best[target_index] = -1.0
            target_index = first_best(best)
        if best[target_index] <= DENIES_CLAIM:
            continue
        target = claims[target_index]
        denial.denies.append(target.id)
        target.denied_by.append(denial.id)
        attribution = denial.attributions[0]
        target.extra_stances.append({
            "article_id": attribution.article_id, "stance": "denies",
            "evidence": _sentence(attribution).to_dict(),
            "by": attribution.source.text if attribution.source else None})


def _said_by_the_denier(claim: Claim, denial: Attribution) -> bool:
    """Whether ``claim`` is the denial's own saying: a member in the denial's sentence,
    or every member the denier's.

    >>> from newstrace.claims.attribution import Span
    >>> peskov = Attribution(Span("Peskov", 0, 6), Span("denied", 7, 13),
    ...                      Span("the allegations", 14, 29), "indirect", "named",
    ...                      article_id="a", sentence=Span("", 0, 80))
    >>> same = Attribution(Span("Peskov", 0, 6), Span("saying", 31, 37),
    ...                    Span("that Moscow had the capability", 38, 79), "indirect", "named",
    ...                    article_id="a", sentence=Span("", 0, 80))
    >>> _said_by_the_denier(Claim("c", [same]), peskov)
    True
    """
    def speaker(a: Attribution) -> str | None:
        return a.source_entity or (a.source.text.lower() if a.source else None)

    for a in claim.attributions:
        if (a.article_id == denial.article_id and a.sentence and denial.sentence
                and a.sentence.start < denial.sentence.end
                and denial.sentence.start < a.sentence.end):
            return True
    me = speaker(denial)
    return me is not None and {speaker(a) for a in claim.attributions} == {me}


def _subject(content: str) -> str | None:
    """The capitalised name a content opens with ("China has always...") if any."""
    match = re.match(r"\W*(?:that\s+)?((?:[A-Z][\w’'-]+\s?)+)", content)
    return match.group(1).strip() if match else None


def _claim_id(attribution: Attribution) -> str:
    key = f"{attribution.article_id}:{attribution.content.start}:{attribution.content.text}"
    return "claim-" + hashlib.sha1(key.encode()).hexdigest()[:12]
