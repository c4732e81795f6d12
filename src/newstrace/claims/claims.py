"""Claims: what several articles attribute, grouped by meaning, with each article's stance.

Attributed contents are embedded with the multilingual sentence encoder and
grouped greedily (a content joins the claim whose centre it is closest to, above
``SAME_CLAIM``), across articles and languages, when they state one proposition: the
same main predicate ("is considering supplying" is not "could supply"), the same
polarity, the same time (:data:`SAME_CLAIM_DAYS`); a copy's rewording joins its
original's claim whatever its words. A denial ("China has denied...", "Peskov said,
“No.”", "spreading malicious information") is a claim of its own that names the claim
it denies (``denies``), which lists it in ``denied_by``; every denying article's stance
on the denied claim is ``denies``. What a denial denies is found by proposition: a
negated statement denies the claim of the same subject and event
(:func:`_proposition_targets`), a rebuttal with no proposition of its own the
allegation its passage answers (:func:`_rebutted`), any other the claim closest to its
sentence; always one of its time. Otherwise an article *hedges* a claim when its
wording does ("considering", "leaning toward", "has not made a final decision",
"reportedly"), and *reports* it when it only attributes it.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from newstrace.claims.attribution import Attribution, Span, proposition_text
from newstrace.claims.resolve import normalize
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
                          r"fabricat\w+|not true|untrue|(?:is|are|was|were)\s+(?:\w+\s+)?lies)"
                          r"\b|[“\"]No[.!]?[”\"]", re.I)


@dataclass
class Claim:
    id: str
    attributions: list[Attribution] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)
    denial: bool = False
    denies: list[str] = field(default_factory=list)
    denied_by: list[str] = field(default_factory=list)
    extra_stances: list[dict[str, Any]] = field(default_factory=list)
    #: the members (positions in ``attributions``) that are a known copy's rewording of
    #: another member's statement: the claim is not worded after them
    copies: set[int] = field(default_factory=set)

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
        # the wording of the member closest to the centre, among those no known copy
        # restated (a content farm's "price and quality" is not the claim's wording)
        own = [k for k in range(len(self.attributions)) if k not in self.copies] \
            or list(range(len(self.attributions)))
        if len(own) == 1:
            best = own[0]
        else:
            # both members of a pair are equally close to their centre: the first wins
            centre = self.centre
            best = own[first_best([float(self.vectors[k] @ centre) for k in own])]
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
#: a content opening as an indirect question. Either word makes it deny nothing; only
#: "whether" makes it no proposition, as "if" opens conditionals too ("if talks fail, ...")
_QUESTION = re.compile(r"^\W*(?:(?P<whether>whether)|if)\b", re.I)


def _asks(attribution: Attribution) -> bool:
    return bool(_ASKS.search(attribution.cue.text) or _QUESTION.search(attribution.content.text))


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

    An open question is none either: "(has been debating) whether or not to send the
    deadly aid" asserts neither way.

    >>> is_proposition(said("whether or not to send the deadly aid", True))
    False
    """
    return (len(attribution.content.text.split()) >= MIN_PROPOSITION_WORDS
            and bool(attribution.extra.get("predicate", True))
            and not _opens_with_whether(attribution.content.text))


def _opens_with_whether(text: str) -> bool:
    found = _QUESTION.search(text)
    return bool(found and found.group("whether"))

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
                 same_statement: Sequence[tuple[Attribution, Attribution]] = (),
                 vectors: Mapping[str, np.ndarray] | None = None,
                 ) -> list[Claim]:
    """Claims from attributions of any number of articles, in a deterministic order.

    A content joins the claim whose centre it is closest to (at least ``SAME_CLAIM``),
    or the claim of a close earlier content that shares one of its verbs (at least
    ``SAME_CLAIM_WITH_VERB``); only the claims of its nearest earlier contents are
    candidates (:func:`_earlier_neighbours`). ``dates``: each article's trusted date
    (:func:`newstrace.nlp.temporal.trusted_date`), so that a denial is tied only to a
    claim of its own time. ``same_statement``: pairs of attributions known to be one
    statement (an original's and its copy's, aligned by the reuse stage): the later of
    the two joins the claim of the earlier. ``vectors``: the vectors of texts to embed
    (:func:`texts_to_embed`) known already, read back from a store
    (:func:`newstrace.claims.products.grouping_vectors`); the others are embedded.
    """
    attributions, denial_flags = _claimable(attributions)
    if not attributions:
        return []
    contents = _vectors_of([proposition_text(a) for a in attributions], vectors)
    denial_rows = [i for i, flag in enumerate(denial_flags) if flag]
    sentences = np.zeros_like(contents)
    if denial_rows:
        sentences[denial_rows] = _vectors_of(
            [_sentence(attributions[i]).text for i in denial_rows], vectors)
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
    verbs_of: list[set[str]] = [_predicates(a) for a in attributions]
    polarity = [_negative(a) for a in attributions]
    claim_heads: list[set[str]] = []  # the main predicates of each claim's members
    claim_polarity: list[set[bool]] = []  # whether its members negate, or not
    dates = dates or {}
    day_of = [_days(dates.get(a.article_id or "")) for a in attributions]
    claim_days: list[list[int]] = []  # the dated members' days of each claim
    centre_sums: list[np.ndarray] = []
    for i, (attribution, vector) in enumerate(zip(attributions, contents, strict=True)):
        if denial_flags[i]:
            claim = Claim(_claim_id(attribution), [attribution], [vector], denial=True)
            denials.append((claim, sentences[i]))
            continue
        twin = earlier_twin.get(i)
        restated = twin is not None and claim_of[twin] >= 0
        if restated:  # a copy's rewording of a statement
            c = claim_of[twin]
        else:
            c = _closest_claim(i, vector, neighbours[i], claim_of, centre_sums, verbs_of,
                               day_of[i], claim_days,
                               _Kinds(polarity, claim_heads, claim_polarity))
        if c < 0:
            claims.append(Claim(_claim_id(attribution)))
            centre_sums.append(np.zeros_like(vector))
            claim_days.append([])
            claim_heads.append(set())
            claim_polarity.append(set())
            c = len(claims) - 1
        claim_heads[c] |= verbs_of[i]
        if polarity[i] is not None:
            claim_polarity[c].add(bool(polarity[i]))
        if restated:
            claims[c].copies.add(len(claims[c].attributions))
        claims[c].attributions.append(attribution)
        claims[c].vectors.append(vector)
        centre_sums[c] = centre_sums[c] + vector
        if day_of[i] is not None:
            claim_days[c].append(day_of[i])
        claim_of[i] = c
    # a negated statement by the party a claim is about denies it, when it negates what
    # the claim says that party does: "China ... does not provide arms sales to conflict
    # zones" against "China is considering supplying Russia with drones" (the same
    # subject, the same event, the same time), not "would escalate China's support"
    targets = _proposition_targets(claims, claim_days, dates)
    for index in targets:
        claims[index].denial = True
        denials.append((claims[index], claims[index].centre))
    kept = [i for i, c in enumerate(claims) if not c.denial]
    new_index = {old: new for new, old in enumerate(kept)}
    by_proposition = {claims[i].id: new_index[t] for i, t in targets.items() if t in new_index}
    claims = [claims[i] for i in kept]
    texts = [claim.text for claim in claims]
    denials.sort(key=lambda d: position[id(d[0].attributions[0])])
    if claims and denials:
        _link_denials(claims, texts, [d for d, _ in denials], [v for _, v in denials],
                      dates, by_proposition)
    return claims + [d for d, _ in denials]


def _negative(attribution: Attribution) -> bool | None:
    """Whether a content negates what it states ("China was not sending drones"); None
    for an attribution found without its proposition."""
    frame = attribution.extra.get("frame")
    if not frame or not frame.get("events"):
        return None
    return any(negated for _, _, negated in frame["events"])


def _predicates(attribution: Attribution) -> set[str]:
    """What a content says happens, to group it by: its main predicates ("is considering
    supplying drones": consider; "could supply attack drones": supply), or, for an
    attribution found without them, every content verb."""
    frame = attribution.extra.get("frame")
    if frame and frame.get("heads"):
        return set(frame["heads"])
    return set(attribution.extra.get("verbs", ()))


#: a content joins no claim all of whose dated members are this many days or more from
#: its own date: one statement is not made a year apart ("measures such as providing
#: assistance could have consequences" in 2022 is no rewording of a 2023 report)
SAME_CLAIM_DAYS = 90


@dataclass
class _Kinds:
    """What a content must share with a claim to join it, beyond closeness: its
    polarity (``polarity``: each content's, :func:`_negative`; ``claim_polarity``: each
    claim's members'), and, unless the two are near-identical (:data:`SAME_WORDS`), a
    main predicate (``claim_heads``: each claim's members')."""

    polarity: Sequence[bool | None] = ()
    claim_heads: Sequence[set[str]] = ()
    claim_polarity: Sequence[set[bool]] = ()

    def opposed(self, i: int, c: int) -> bool:
        mine = self.polarity[i] if i < len(self.polarity) else None
        theirs = self.claim_polarity[c] if c < len(self.claim_polarity) else set()
        return mine is not None and bool(theirs) and mine not in theirs

    def other_predicate(self, c: int, heads: set[str]) -> bool:
        theirs = self.claim_heads[c] if c < len(self.claim_heads) else set()
        return bool(heads) and bool(theirs) and not heads & theirs


#: a content this close to a claim's centre joins it whatever its main predicate
SAME_WORDS = 0.95


def _closest_claim(i: int, vector: np.ndarray, neighbours: tuple[np.ndarray, np.ndarray],
                   claim_of: list[int], centre_sums: list[np.ndarray],
                   verbs_of: list[set[str]], day: int | None = None,
                   claim_days: Sequence[Sequence[int]] = (),
                   kinds: _Kinds | None = None) -> int:
    """The claim content ``i`` joins among its earlier neighbours' claims (-1: none):
    the one whose centre is closest (at least ``SAME_CLAIM``) and which states what it
    does (a main predicate in common, :class:`_Kinds`), or that of a close neighbour
    sharing a main predicate (at least ``SAME_CLAIM_WITH_VERB``: the same statement
    reworded, not another one about the same things: "is considering supplying drones"
    and "could supply attack drones" are two); never a claim of the opposite polarity
    ("was not sending drones" against "is considering sending drones") nor one of
    another time (``day``, the content's date; ``claim_days``, each claim's dated
    members', :data:`SAME_CLAIM_DAYS`)."""
    kinds = kinds or _Kinds()
    scores: dict[int, float] = {}
    barred: set[int] = set()
    for j, sim in zip(*neighbours, strict=True):
        c = claim_of[j]
        if c < 0 or c in barred:
            continue
        if c not in scores:
            if kinds.opposed(i, c) or (
                    day is not None and c < len(claim_days) and claim_days[c]
                    and min(abs(d - day) for d in claim_days[c]) >= SAME_CLAIM_DAYS):
                barred.add(c)
                continue
            total = centre_sums[c]
            norm = float(np.sqrt(total.dot(total)))  # np.linalg.norm, without its checks
            centre_sim = float(total @ vector) / norm if norm else 0.0
            close = centre_sim >= SAME_CLAIM and (
                centre_sim >= SAME_WORDS or not kinds.other_predicate(c, verbs_of[i]))
            scores[c] = centre_sim if close else 0.0
        # a member for meaning backed by the same predicate ("consider", "send")
        if sim >= SAME_CLAIM_WITH_VERB and verbs_of[i] & verbs_of[j]:
            scores[c] = max(scores[c], float(sim))
    close = sorted(c for c, score in scores.items() if score > 0)
    # the first claim on a tie, on every machine
    return close[first_best([scores[c] for c in close])] if close else -1


def _vectors_of(texts: list[str], known: Mapping[str, np.ndarray] | None) -> np.ndarray:
    """The vectors of ``texts``: those ``known``, the others embedded; all as a store
    keeps them (:func:`newstrace.nlp.embeddings.compact`), so that claims group alike
    whether a scope's vectors were computed now or read back."""
    known = known or {}
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    fresh = dict(zip(missing, embeddings.encode(missing), strict=True)) if missing else {}
    return embeddings.compact(np.vstack([known[t] if t in known else fresh[t]
                                         for t in texts]))


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
    return ([proposition_text(a) for a in kept]
            + [_sentence(a).text for a, flag in zip(kept, denial_flags, strict=True) if flag])


#: a negated event at least this close to an event a claim says its subject does denies
#: it: the mean of two cosines, of the events' predicates ("provide" / "supply") and of
#: their own words ("provide arms sales to conflict zones" / "supplying Russia with drones
#: and munitions"); neither alone tells an event from another one well
SAME_EVENT = 0.4


def _names(attribution: Attribution) -> set[str]:
    """The names a content's subject is about (:func:`.attribution.content_frame`),
    normalised (:func:`.resolve.normalize`: "U.S." = "United States")."""
    return {normalize(name) for name in _frame(attribution).get("names", ())}


#: the endings that make a people's adjective of a country's name, its last letters
#: (at most three) dropped: China / Chinese, Sweden / Swedish, Germany / German
_DEMONYM_ENDINGS = ("", "n", "an", "ian", "ean", "ese", "ish", "i", "ic")


def _stems(name: str) -> set[str]:
    """What a name is, its people's ending aside ("chinese": chin, chinese, ...)."""
    if " " in name:
        return {name}
    return {name[: len(name) - len(e)] for e in _DEMONYM_ENDINGS
            if name.endswith(e) and len(name) - len(e) >= 3} or {name}


def _cuts(name: str) -> set[str]:
    """A name with none to three of its last letters dropped ("china": china, chin, ...)."""
    if " " in name:
        return {name}
    return {name[: len(name) - k] for k in range(4) if len(name) - k >= 3} or {name}


def _same_name(a: str, b: str) -> bool:
    """Two names of one party: equal, or a country and its people's adjective (the one
    is the other's first letters, but for three at most, and a people's ending).

    >>> _same_name("china", "chinese"), _same_name("sweden", "swedish")
    (True, True)
    >>> _same_name("russia", "russian"), _same_name("austria", "australian")
    (True, False)
    >>> _same_name("iran", "iraq"), _same_name("iran", "iranian")
    (False, True)
    """
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(long) > len(short) and bool(_stems(long) & _cuts(short))


class _NameIndex:
    """Values filed under names, found by any name of the same party (:func:`_same_name`)
    without comparing a name with every other."""

    def __init__(self) -> None:
        self.by_stem: dict[str, list[int]] = {}
        self.by_cut: dict[str, list[int]] = {}

    def add(self, name: str, value: int) -> None:
        for stem in _stems(name):
            self.by_stem.setdefault(stem, []).append(value)
        for cut in _cuts(name):
            self.by_cut.setdefault(cut, []).append(value)

    def find(self, name: str) -> set[int]:
        return ({v for cut in _cuts(name) for v in self.by_stem.get(cut, ())}
                | {v for stem in _stems(name) for v in self.by_cut.get(stem, ())})


def _frame(attribution: Attribution) -> dict[str, Any]:
    return attribution.extra.get("frame") or {}


#: the sources whose negated statement can be a denial: who speaks for a party on record
ON_RECORD = frozenset({"named", "organization"})


def _proposition_targets(claims: list[Claim], claim_days: Sequence[Sequence[int]],
                         dates: Mapping[str, str | None]) -> dict[int, int]:
    """The negated statements that deny a claim, each with the claim it denies (indices
    into ``claims``): a statement every member of which is negated, one of them on the
    record (:data:`ON_RECORD`), whose subject and
    negated event are those of a member of the other claim (:func:`_names`,
    :data:`SAME_EVENT`), of its time (:data:`DENIAL_DAYS`), said by someone else."""
    Event = tuple[str, str]  # (predicate, its own words)
    negated: list[tuple[int, set[str], list[Event]]] = []
    for index, claim in enumerate(claims):
        if not all(NEGATED.search(a.content.text) for a in claim.attributions):
            continue
        # a denial is said on the record: a named speaker or body, not sources reporting
        # that "Chinese officials have not made a final decision"
        if not any(a.source_type in ON_RECORD for a in claim.attributions):
            continue
        frame = _frame(claim.attributions[0])
        names = _names(claim.attributions[0])
        events = [(verb, phrase) for verb, phrase, no in frame.get("events", ())
                  if no and phrase]
        if names and events:
            negated.append((index, names, events))
    if not negated:
        return {}
    candidates = {index for index, _, _ in negated}
    # every asserted event of every other claim, filed under the names of its subject
    asserted: list[tuple[int, Event, set[str]]] = []
    index_of_names = _NameIndex()
    for index, claim in enumerate(claims):
        if index in candidates:
            continue
        for a in claim.attributions:
            names = _names(a)
            for verb, phrase, no in _frame(a).get("events", ()) if names else ():
                if phrase and not no:
                    for name in names:
                        index_of_names.add(name, len(asserted))
                    asserted.append((index, (verb, phrase), names))
    pairs = [(index, events, sorted(k for k in {k for name in names
                                                for k in index_of_names.find(name)}
                                    if _any_same(names, asserted[k][2])))
             for index, names, events in negated]
    texts = sorted({t for _, events, found in pairs if found for e in events for t in e}
                   | {t for _, _, found in pairs for k in found for t in asserted[k][1]})
    if not texts:
        return {}
    vectors = dict(zip(texts, embeddings.encode(texts), strict=True))

    def close(a: Event, b: Event) -> float:
        return (float(vectors[a[0]] @ vectors[b[0]]) + float(vectors[a[1]] @ vectors[b[1]])) / 2

    targets: dict[int, int] = {}
    for index, events, found in pairs:
        denial = claims[index].attributions[0]
        when = _days(dates.get(denial.article_id or ""))
        best, best_score = -1, SAME_EVENT
        for k in found:
            target, event, _ = asserted[k]
            if when is not None and claim_days[target] and min(
                    abs(d - when) for d in claim_days[target]) >= DENIAL_DAYS:
                continue
            score = max(close(e, event) for e in events)
            if (score > best_score or (score == best_score and target < best)) \
                    and not _said_by_the_denier(claims[target], denial):
                best, best_score = target, score
        if best >= 0:
            targets[index] = best
    return targets


#: a rebuttal with no proposition of its own answers the allegation its passage reported
#: just before it: at most this many characters before its sentence
PASSAGE = 600
#: a rebuttal speaks of the allegation, not of the matter: "is spreading malicious
#: information", "baseless", "lies"
REBUTTAL_WORDS = re.compile(r"\b(malicious information|disinformation|misinformation|"
                            r"fake news|smears?|lies|lying|baseless|groundless|"
                            r"fabricat\w+|slander\w*|rumou?rs?|nonsense)\b", re.I)


def is_rebuttal(attribution: Attribution) -> bool:
    """A denial that names no proposition of its own, only the allegation's falsity
    ("The United States is spreading malicious information aimed at China"): what it
    denies is what its passage reported before it."""
    return (not attribution.denial and bool(REBUTTAL_WORDS.search(attribution.content.text))
            and not re.search(r"\b(that|whether)\b", attribution.content.text, re.I))


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
                  dates: Mapping[str, str | None],
                  by_proposition: Mapping[str, int] | None = None) -> None:
    """Tie each denial to the claim it denies, among the claims of its time
    (:data:`DENIAL_DAYS`) where both are dated:

    * a negated statement, to the claim whose proposition it negates (``by_proposition``:
      each such denial's id and the index of its claim, :func:`_proposition_targets`);
    * a rebuttal ("X is spreading malicious information", :func:`is_rebuttal`), to the
      allegation its passage reported before it (:func:`_rebutted`);
    * any other ("denied Russia's request", “No.”), to the claim with the member closest
      to the denial's sentence (a little closer when the claim names the denier's side).
    """
    by_proposition = by_proposition or {}
    passage = _Passages(claims)
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
        attribution = denial.attributions[0]
        when = _days(dates.get(attribution.article_id or ""))
        # by its proposition, or by its passage: never by its words alone
        if denial.id in by_proposition:
            _tie(denial, claims[by_proposition[denial.id]])
            continue
        if is_rebuttal(attribution):
            rebutted = _rebutted(attribution, denials[:n], claims, passage, questions,
                                 claim_days, when)
            if rebutted is not None:
                _tie(denial, claims[rebutted])
            continue
        subject = _subject(denial.attributions[0].content.text)
        if subject:
            if subject not in bonus:
                bonus[subject] = np.array([0.1 if subject in t else 0.0 for t in texts])
            best = best + bonus[subject]
        best = np.where(questions, -1.0, best)
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
        _tie(denial, claims[target_index])


def _tie(denial: Claim, target: Claim) -> None:
    """Record that ``denial`` denies ``target``, and each denying article's stance (a
    denial copied into a second article is that article's denial too)."""
    denial.denies.append(target.id)
    target.denied_by.append(denial.id)
    seen: set[str | None] = set()
    for attribution in denial.attributions:
        if attribution.article_id in seen:
            continue
        seen.add(attribution.article_id)
        target.extra_stances.append({
            "article_id": attribution.article_id, "stance": "denies",
            "evidence": _sentence(attribution).to_dict(),
            "by": attribution.source.text if attribution.source else None})


class _Passages:
    """Where each claim's members are in their articles, to find what a passage reported
    before a point: (content start, claim index) by article, in text order."""

    def __init__(self, claims: list[Claim]) -> None:
        self.index = {claim.id: n for n, claim in enumerate(claims)}
        self.at: dict[str, list[tuple[int, int]]] = {}
        for index, claim in enumerate(claims):
            for a in claim.attributions:
                self.at.setdefault(a.article_id or "", []).append((a.content.start, index))
        for members in self.at.values():
            members.sort()

    def before(self, article_id: str, start: int, end: int) -> list[int]:
        """The claims with a member starting in [start, end) of the article, nearest
        ``end`` first."""
        members = self.at.get(article_id, [])
        lo = bisect.bisect_left(members, (start, -1))
        hi = bisect.bisect_left(members, (end, -1))
        return list(dict.fromkeys(index for _, index in reversed(members[lo:hi])))


def _rebutted(rebuttal: Attribution, earlier: Sequence[Claim], claims: list[Claim],
              passage: _Passages, questions: np.ndarray,
              claim_days: Sequence[Sequence[int]], when: int | None) -> int | None:
    """The claim a rebuttal answers (None: none), by its context: what the denial its
    passage reported just before it denies ("China has denied Russia's request ... .
    “The United States is spreading malicious information,” Zhao said": the same
    request); else the allegation the passage reported last before it, by the party the
    rebuttal accuses where one did ("The United States is spreading ...": a US
    official's), never the rebutter's own words nor a question; within :data:`PASSAGE`
    characters and of its time (:data:`DENIAL_DAYS`)."""
    sentence = _sentence(rebuttal)
    article = rebuttal.article_id or ""
    reach = sentence.start - PASSAGE
    index = passage.index
    for denial in reversed(earlier):
        other = denial.attributions[0]
        before = _sentence(other)
        if other.article_id != rebuttal.article_id or before.end > sentence.start:
            continue
        if before.start < reach:
            break
        targets = [index[t] for t in denial.denies if t in index]
        if targets:
            return targets[0]
    accused = _names(rebuttal)
    named = _capitalised(rebuttal.content.text)
    fallback: int | None = None
    for n in passage.before(article, max(reach, 0), sentence.start):
        claim = claims[n]
        if questions[n] or _said_by_the_denier(claim, rebuttal):
            continue
        if when is not None and claim_days[n] and min(
                abs(d - when) for d in claim_days[n]) >= DENIAL_DAYS:
            continue
        said_by = {name for a in claim.attributions if a.source
                   for name in _capitalised(a.source.text)}
        if _any_same(accused, said_by):  # the accused party's allegation
            return n
        if fallback is None and _any_same(named, said_by | {
                name for a in claim.attributions for name in _capitalised(a.content.text)}):
            fallback = n  # else the last one about a party the rebuttal names
    return fallback


def _any_same(names: set[str], others: set[str]) -> bool:
    return any(_same_name(a, b) for a in names for b in others)


_NOT_NAMES = frozenset({"the", "a", "an", "it", "its", "we", "they", "this", "that", "he",
                        "she", "i", "in", "on", "at", "but", "and", "as", "if", "when"})


def _capitalised(text: str) -> set[str]:
    """The names a text mentions, normalised: its capitalised words and runs of them
    ("U.S. officials": united states; "The United States": united states, united,
    states), a possessive's mark aside.

    >>> sorted(_capitalised("The United States is spreading"))
    ['states', 'united', 'united states']
    >>> sorted(_capitalised("two U.S. officials"))
    ['united states']
    """
    out: set[str] = set()
    for run in re.findall(r"(?:[A-Z][\w.’'-]*(?:\s+|$))+", text):
        words = [re.sub(r"[’']s$", "", w).strip(".") or w for w in run.split()]
        while words and words[0].lower() in _NOT_NAMES:
            words = words[1:]
        if not words:
            continue
        out.add(normalize(" ".join(words)))
        if len(words) > 1:
            out.update(normalize(w) for w in words if w.lower() not in _NOT_NAMES)
    return out


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
