"""Attributed statements: who (source) says (cue) what (content), with character offsets.

Rules over the dependency parse, after PARC/PolNeAR's definitions:

* a verb of saying or thinking with a subject: the subject's phrase is the source,
  the verb (with its particles, auxiliaries and a "told CNN" object) the cue, the
  clausal complement or the quotation the content ("Wang said: “...”", "three
  sources tell CNN that ...", "Beijing has not decided, the sources said");
* "according to X": X is the source, the rest of the sentence the content;
* a report or assessment "says", "finds", "shows": a document source.

>>> found = attributions_in("Foreign Ministry spokesman Wang Wenbin said: “China does not "
...                         "provide arms.”")
>>> found[0].source.text, found[0].cue.text, found[0].quote
('Foreign Ministry spokesman Wang Wenbin', 'said', 'direct')
"""

from __future__ import annotations

import bisect
import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from newstrace.claims.entities import _MEDIA_RE, MEDIA
from newstrace.claims.tagger import tag_spans
from newstrace.nlp.fastparse import parse_many
from newstrace.nlp.paragraphs import Paragraph

SPEECH = {
    "say",
    "tell",
    "add",
    "state",
    "claim",
    "deny",
    "announce",
    "confirm",
    "warn",
    "insist",
    "argue",
    "write",
    "note",
    "explain",
    "report",
    "respond",
    "reply",
    "suggest",
    "assess",
    "believe",
    "think",
    "estimate",
    "allege",
    "acknowledge",
    "admit",
    "stress",
    "emphasize",
    "predict",
    "conclude",
    "find",
    "show",
    "indicate",
    "reveal",
    "disclose",
    "describe",
    "call",
    "accuse",
    "urge",
    "promise",
    "vow",
    "threaten",
    "caution",
    "contend",
    "maintain",
    "assert",
    "declare",
    "testify",
    "recall",
    "concede",
    "question",
    "complain",
    "expect",
    "fear",
    "hope",
    "doubt",
    "agree",
    "disagree",
    "comment",
    "ask",
    "blame",
    "criticize",
    "praise",
    "demand",
    "propose",
    "recommend",
    "signal",
    # thoughts and intentions count as attribution too (PARC, PolNeAR)
    "want",
    "wish",
    "hear",
    "need",
    "know",
    "learn",
    "feel",
    "mention",
    "plan",
    "intend",
    "seek",
    "understand",
    "recognize",
    "remember",
    "worry",
    "decide",
    "view",
    "regard",
    "consider",
    "see",
    "hold",
    "prefer",
    "favor",
    "oppose",
    "support",
    "pledge",
    "guess",
    "imagine",
    "assume",
    "suspect",
    "wonder",
    "realize",
    "notice",
}
DENIAL = {"deny", "reject", "dismiss", "refute", "rebuff"}
ANONYMOUS = re.compile(
    r"\b(sources?|officials?|an? (?:senior |U\.?S\.? |US |western )?"
    r"(?:official|diplomat|executive|aide|person)|people|person familiar|"
    r"insiders?|diplomats?|aides?|analysts?|experts?|observers?|"
    r"intelligence)\b",
    re.I,
)
DOCUMENT = re.compile(
    r"\b(report|assessment|statement|paper|study|survey|analysis|document|"
    r"memo|filing|poll|review|investigation|data|letter|release|website)\b",
    re.I,
)
QUOTES = '“”"«»„'
LIGHT_VERBS = {"be", "have", "do", "get", "go", "use", "continue", "begin", "include"}


def content_verbs(tokens: list[Any]) -> list[str]:
    """Lemmas of the content's own verbs: what the claim says happens ("consider", "send")."""
    return sorted(
        {
            t.lemma_.lower()
            for t in tokens
            if t.pos_ == "VERB"
            and t.lemma_.lower() not in SPEECH
            and t.lemma_.lower() not in LIGHT_VERBS
        }
    )


#: verbs a content's predicate is looked for beneath: "officials suggest (that) China is
#: considering ...": the proposition is the clause's, not the nested report's
_NESTED_REPORT_DEPS = ("ccomp",)
#: how a predicate's event is reached beneath it: "considering supplying", "leaning toward
#: supplying"
_EVENT_DEPS = ("xcomp", "pcomp")
_NEGATIONS = {"not", "n't", "n’t", "never", "no"}
#: verbs that only frame the clause beneath them ("It appears that Beijing has not made
#: ...", "It does not seem that Beijing has made ..."): the proposition is the clause's,
#: and a negation of the frame is the clause's ("does not seem that X has" = "X has not")
RAISING = {"seem", "appear"}
#: verbs whose object names the event ("made a final decision": decision, "took part":
#: part), as a light verb's complement does
SUPPORT_VERBS = {"make", "take"}


def _head_key(verb: Any) -> str:
    """A predicate's lemma; a light verb's or copula's complement ("are ongoing": ongoing,
    "could have significant consequences": consequence), a support verb's noun object
    ("have not made a final decision": decision)."""
    lemma = verb.lemma_.lower()
    if lemma in LIGHT_VERBS or verb.pos_ == "AUX":
        complement = next((c for c in verb.children
                           if c.dep_ in ("acomp", "attr", "dobj", "oprd")), None)
        if complement is not None:
            return complement.lemma_.lower()
    if lemma in SUPPORT_VERBS:
        noun = next((c for c in verb.children if c.dep_ == "dobj" and c.pos_ == "NOUN"), None)
        if noun is not None:
            return noun.lemma_.lower()
    return lemma


def _negated(verb: Any) -> bool:
    """Whether a predicate is negated ("does not provide"; "whether or not to send" is
    not)."""
    return any((c.dep_ == "neg" or c.lower_ in _NEGATIONS)
               and not (c.i > 0 and c.doc[c.i - 1].lower_ == "or") for c in verb.children)


def content_frame(tokens: list[Any], within: Span | None = None, offset: int = 0
                  ) -> dict[str, Any]:
    """The proposition a content states: its ``subject`` (the main predicate's subject
    phrase, or None), its ``heads`` (the main predicate's lemma and those of the
    predicates conjoined with it: "has taken ... and does not provide ..."), and its
    ``events``: for each head, the event it is about ("is considering supplying Russia
    with drones": supply), as ``[lemma, phrase, negated]`` (the phrase is the event
    verb's own words, its subject aside). A nested report is looked through ("officials
    suggest the government is considering ...": consider); then, given the content's span
    ``within`` (and the paragraph's ``offset`` in the text), ``from`` is where in the
    content's text the clause stating the proposition begins (:func:`proposition_text`)."""
    inside = {t.i for t in tokens}
    if not inside:
        return {"subject": None, "heads": [], "events": []}
    roots = [t for t in tokens if t.head.i not in inside or t.head.i == t.i]
    main = next((t for t in roots if t.pos_ in ("VERB", "AUX")), None)
    if main is None:
        return {"subject": None, "heads": [], "events": []}
    framed_negation = False  # "does not seem that ...": the clause is negated
    for _ in range(4):  # a nested report or a raising frame: its clause states it
        lemma = main.lemma_.lower()
        deps = _NESTED_REPORT_DEPS + (("xcomp",) if lemma in RAISING else ())
        nested = next((c for c in main.children if c.dep_ in deps and c.i in inside), None)
        if nested is None or (lemma not in SPEECH and lemma not in RAISING):
            break
        if lemma in RAISING:
            framed_negation = framed_negation or _negated(main)
        main = nested
    clause_start = None
    if main not in roots:  # looked through: the clause's words, from its subject on
        clause = [t for t in main.subtree if t.i in inside and t.dep_ != "mark"
                  and not t.is_punct]
        clause_start = offset + clause[0].idx if clause else None
    predicates = [main] + [c for c in main.children
                           if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX") and c.i in inside]
    subject_token = next((c for c in main.children
                          if c.dep_ in ("nsubj", "nsubjpass") and c.i in inside), None)
    subject_ids = {t.i for t in subject_token.subtree} if subject_token is not None else set()
    events: list[list[Any]] = []
    for predicate in predicates:
        negated = _negated(predicate) or framed_negation
        event = predicate
        for _ in range(4):
            if any(c.dep_ == "dobj" for c in event.children):
                break  # "provide weapons to warring parties": the event is provide
            step = next((c for c in event.children
                         if c.dep_ in _EVENT_DEPS and c.i in inside), None)
            if step is None:
                prep = next((c for c in event.children if c.dep_ == "prep"
                             and any(g.dep_ == "pcomp" and g.pos_ == "VERB"
                                     for g in c.children)), None)
                step = next((g for g in prep.children if g.dep_ == "pcomp"), None) \
                    if prep is not None else None
            if step is None or step.i not in inside:
                break
            event = step
            negated = negated or _negated(event)
        # the event's own words: its objects and complements, not its subject, its
        # auxiliaries and negation ("does not provide arms": provide arms), nor a
        # predicate conjoined with it
        dropped = {t.i for c in event.children
                   if c.dep_ in ("conj", "cc", "aux", "auxpass", "neg", "mark", "nsubj",
                                 "nsubjpass")
                   for t in (c.subtree if c.dep_ in ("conj", "nsubj", "nsubjpass") else [c])}
        own = sorted((t for t in event.subtree if t.i in inside and t.i not in subject_ids
                      and t.i not in dropped and not t.is_punct),
                     key=lambda t: t.i)
        events.append([_head_key(event), " ".join(t.text for t in own), negated])
    subject = (" ".join(t.text for t in subject_token.subtree if t.i in inside)
               if subject_token is not None else None)
    frame = {"subject": subject, "names": _subject_names(subject_token, inside),
             "heads": sorted({_head_key(p) for p in predicates}), "events": events}
    if within is not None and clause_start is not None \
            and 0 < clause_start - within.start < len(within.text):
        frame["from"] = clause_start - within.start
    return frame


def proposition_text(attribution: Attribution) -> str:
    """The words of the proposition a content states: the clause beneath a nested report
    or frame ("sources ... stated that Chinese officials have not made a final decision":
    "Chinese officials have not made a final decision"), the pieces of a content cut by
    its cue without the cue, else the whole content; what claims are grouped by.

    >>> said = Attribution(None, Span("said", 0, 4), Span("he stated that it rained", 5, 29),
    ...                    "indirect", "unstated", extra={"frame": {"from": 15}})
    >>> proposition_text(said)
    'it rained'
    """
    content = attribution.content
    inner = [p for p in attribution.extra.get("content_parts") or ()
             if content.start <= p.start and p.end <= content.end]
    if len(inner) > 1:  # a content around its cue: its pieces, without the cue
        return " ".join(p.text for p in inner)
    start = (attribution.extra.get("frame") or {}).get("from", 0)
    return content.text[start:]


def _merged_frame(frames: list[dict[str, Any]]) -> dict[str, Any]:
    """One proposition of a content cut in pieces: the first piece's subject (and its
    names) that has one, every piece's heads and events.

    >>> _merged_frame([{"subject": None, "names": [], "heads": ["decision"],
    ...                 "events": [["decision", "made a decision", True]]},
    ...                {"subject": "talks", "names": [], "heads": ["ongoing"],
    ...                 "events": [["ongoing", "are ongoing", False]]}])["heads"]
    ['decision', 'ongoing']
    """
    first = next((f for f in frames if f.get("subject")), frames[0])
    return {"subject": first.get("subject"), "names": list(first.get("names") or []),
            "heads": sorted({h for f in frames for h in f.get("heads", ())}),
            "events": [e for f in frames for e in f.get("events", ())]}


def _subject_names(subject: Any, inside: set[int]) -> list[str]:
    """The names a subject is about: its runs of names ("the Chinese government":
    Chinese; "The United States": United States), not a possessor's ("China’s stance" is
    no statement about China) nor those of a phrase attached to it ("negotiations between
    Russia and China")."""
    if subject is None:
        return []
    # the subject's head and its compounds and modifiers, not its prepositions or possessor
    kept = [subject] + [t for t in subject.children if t.i in inside
                        and t.dep_ in ("compound", "amod", "conj", "appos", "nmod")]
    kept += [g for t in kept[1:] if t.dep_ in ("conj", "appos") for g in t.children
             if g.dep_ in ("compound", "amod") and g.i in inside]
    tokens = sorted((t for t in kept if t.pos_ == "PROPN" or t.ent_type_ in
                     ("PERSON", "ORG", "GPE", "NORP", "LOC")), key=lambda t: t.i)
    runs: list[list[Any]] = []
    for t in tokens:
        if runs and runs[-1][-1].i == t.i - 1:
            runs[-1].append(t)
        else:
            runs.append([t])
    return [" ".join(t.text for t in run) for run in runs]


def has_predicate(tokens: list[Any]) -> bool:
    """Whether a content states something: it holds a verb or an auxiliary ("China is a
    partner"), not only a noun phrase ("Ukrainian infrastructure and civilian areas")."""
    return any(t.pos_ in ("VERB", "AUX") for t in tokens)


@dataclass(slots=True)
class Span:
    text: str
    start: int
    end: int

    def to_dict(self, within: str | None = None) -> dict[str, Any]:
        """The span as JSON (the report's form). ``within``: the text the span was found
        in; its ``text`` is then left out where it is the slice ``within[start:end]``
        (a product kept per article needs no second copy of the article's words), and
        :meth:`from_dict` given the same text restores it.

        >>> Span("said", 4, 8).to_dict()
        {'text': 'said', 'start': 4, 'end': 8}
        >>> Span("said", 4, 8).to_dict("She said so.")
        {'start': 4, 'end': 8}
        """
        if within is not None and within[self.start : self.end] == self.text:
            return {"start": self.start, "end": self.end}
        return {"text": self.text, "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], within: str | None = None) -> Span:
        """The span :meth:`to_dict` gave ``data`` for (with the same ``within``).

        >>> Span.from_dict({"start": 4, "end": 8}, "She said so.")
        Span(text='said', start=4, end=8)
        """
        start, end = data["start"], data["end"]
        if "text" in data:
            return cls(data["text"], start, end)
        if within is None:
            raise ValueError("a span without its text needs the text it was found in")
        return cls(within[start:end], start, end)


@dataclass(slots=True)
class Attribution:
    source: Span | None  # None: the text names no source ("it is believed that ...")
    cue: Span
    content: Span
    quote: str  # direct | indirect | mixed
    source_type: str  # named | anonymous | media | document | organization | unstated
    source_role: str | None = None
    via: str | None = None  # the outlet told: "told CNN"
    denial: bool = False
    article_id: str | None = None
    source_entity: str | None = None
    sentence: Span | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "source": self.source.to_dict() if self.source else None,
            "cue": self.cue.to_dict(),
            "content": self.content.to_dict(),
            "quote": self.quote,
            "source_type": self.source_type,
            "source_entity": self.source_entity,
            "source_role": self.source_role,
            "via": self.via,
            "denial": self.denial,
            **({"content_parts": [p.to_dict() for p in self.extra["content_parts"]]}
               if self.extra.get("content_parts") else {}),
        }

    def to_product(self, within: str | None = None) -> dict[str, Any]:
        """Every field as JSON, for :meth:`from_product` to rebuild the same attribution
        (:meth:`to_dict`, the report's form, leaves out the sentence and the content's
        verbs, which claim grouping reads). ``within``: the article's text; the product
        is then compact: span texts that are slices of it and fields at their defaults
        are left out, and :meth:`from_product` given the same text restores them.

        >>> text = "Wang said China sends no arms."
        >>> said = Attribution(Span("Wang", 0, 4), Span("said", 5, 9),
        ...                    Span("China sends no arms", 10, 29), "indirect", "named",
        ...                    extra={"verbs": ["send"]})
        >>> said.to_product(text)
        {'source': {'start': 0, 'end': 4}, 'cue': {'start': 5, 'end': 9}, \
'content': {'start': 10, 'end': 29}, 'quote': 'indirect', 'source_type': 'named', \
'extra': {'verbs': ['send']}}
        >>> Attribution.from_product(said.to_product(text), text) == said
        True
        """
        extra = {key: ([p.to_dict(within) for p in value] if key in _SPAN_LISTS
                       else copy.deepcopy(value))  # a product shares nothing with us
                 for key, value in self.extra.items()}
        data: dict[str, Any] = {
            "source": self.source.to_dict(within) if self.source else None,
            "cue": self.cue.to_dict(within),
            "content": self.content.to_dict(within),
            "quote": self.quote,
            "source_type": self.source_type,
            "source_role": self.source_role,
            "via": self.via,
            "denial": self.denial,
            "article_id": self.article_id,
            "source_entity": self.source_entity,
            "sentence": self.sentence.to_dict(within) if self.sentence else None,
            "extra": extra,
        }
        if within is None:
            return data
        return {key: value for key, value in data.items() if not _is_default(key, value)}

    @classmethod
    def from_product(cls, data: Mapping[str, Any], within: str | None = None
                     ) -> Attribution:
        """The attribution :meth:`to_product` gave ``data`` for (with the same
        ``within``); fields it left out take their defaults."""

        def span(key: str) -> Span | None:
            value = data.get(key)
            return None if value is None else Span.from_dict(value, within)

        extra = {key: ([Span.from_dict(p, within) for p in value] if key in _SPAN_LISTS
                       else copy.deepcopy(value))
                 for key, value in (data.get("extra") or {}).items()}
        cue, content = span("cue"), span("content")
        if cue is None or content is None:
            raise ValueError("an attribution needs its cue and its content")
        return cls(span("source"), cue, content, data["quote"],
                   data["source_type"], data.get("source_role"), data.get("via"),
                   bool(data.get("denial", False)), data.get("article_id"),
                   data.get("source_entity"), span("sentence"), extra)


#: the ``extra`` entries that hold spans (the pieces of a content split by a cue or a
#: paragraph break): a product writes them as span dicts
_SPAN_LISTS = frozenset({"content_parts"})
#: the fields a compact product leaves out at these values (and ``extra`` when empty)
_DEFAULTS: dict[str, Any] = {"source": None, "source_role": None, "via": None,
                             "denial": False, "article_id": None, "source_entity": None,
                             "sentence": None}


def _is_default(key: str, value: Any) -> bool:
    if key == "extra":
        return value == {}
    # `is`, not ==: 0 == False, and a span starting at 0 is no default
    return key in _DEFAULTS and value is _DEFAULTS[key]


def _span(tokens: list[Any], offset: int, text: str) -> Span | None:
    tokens = [t for t in tokens if not (t.is_punct and t.text not in QUOTES)] or tokens
    if not tokens:
        return None
    start = offset + min(t.idx for t in tokens)
    end = offset + max(t.idx + len(t.text) for t in tokens)
    # keep quotation marks around the span, with the punctuation inside them (“..., ”)
    while start > 0 and text[start - 1] in QUOTES:
        closing = re.match(r"[,.!?]?[”\"»]", text[end : end + 2])
        if not closing:
            break
        start, end = start - 1, end + closing.end()
    return Span(text[start:end], start, end)


def _subtree(token: Any) -> list[Any]:
    return list(token.subtree)


def _source_type(source: Any, text: str) -> str:
    ents = {t.ent_type_ for t in source}
    if _MEDIA_RE.search(text) and not ANONYMOUS.search(text):
        return "media"
    if "PERSON" in ents:
        return "named"
    head = next((t for t in source if t.head not in source or t.head == t), source[-1])
    if DOCUMENT.search(head.text) and not ANONYMOUS.search(text):
        return "document"  # "a recent Pentagon report": the head noun is a document
    if ANONYMOUS.search(text):
        return "anonymous"
    if ents & {"ORG", "GPE", "NORP"}:
        return "organization"
    if source and source[0].pos_ == "PRON":
        return "named"  # a pronoun refers back to a named source
    return "organization" if any(t.is_title for t in source) else "anonymous"


def _role(source: list[Any]) -> str | None:
    """Words before a person's name in the source phrase: "Foreign Ministry spokesman"."""
    person = [t for t in source if t.ent_type_ == "PERSON"]
    if not person:
        return None
    # the person the phrase is about is its last name run ("Putin’s spokesman Dmitry Pesco")
    first = person[-1].i
    while (
        first - 1 >= source[0].i
        and source[0].doc[first - 1].ent_type_ == "PERSON"
        and source[0].doc[first - 1].ent_iob_ != "B"
    ) or (first - 1 >= source[0].i and source[0].doc[first].ent_iob_ == "I"):
        first -= 1
    before = [t for t in source if t.i < first and not t.is_punct and t.dep_ != "det"]
    if before and before[-1].text.endswith("’s"):
        before = before  # "Putin’s spokesman" keeps the possessive
    role = " ".join(t.text for t in before).replace(" ’s", "’s").replace(" 's", "'s")
    return role or None


def _cue_tokens(verb: Any) -> tuple[list[Any], str | None]:
    """The cue: the verb with its auxiliaries, negation, particles, and an indirect
    object that is a media outlet ("told CNN"); returns (tokens, outlet told)."""
    cue = [verb] + [c for c in verb.children if c.dep_ in ("aux", "auxpass", "neg", "prt")]
    via = None
    for child in verb.children:
        if child.dep_ in ("dobj", "dative", "iobj") and verb.lemma_ == "tell":
            phrase = _subtree(child)
            phrase_text = " ".join(t.text for t in phrase)
            cue += phrase
            if _MEDIA_RE.search(phrase_text) or any(phrase_text == m for m in MEDIA):
                via = phrase_text
    cue.sort(key=lambda t: t.i)
    return cue, via


def _content(verb: Any, sent: Any, source: list[Any], cue: list[Any]) -> list[Any]:
    complements = [
        c for c in verb.children if c.dep_ in ("ccomp", "xcomp", "dobj", "attr") and c not in cue
    ]
    clause = [t for c in complements for t in _subtree(c)]
    # "Beijing has not decided, the sources said": the verb hangs off the main clause
    if not clause and verb.dep_ in ("parataxis", "ccomp", "advcl") and verb.head.i != verb.i:
        skip = {t.i for t in _subtree(verb)}
        clause = [t for t in sent if t.i not in skip]
    if not clause:  # "he said:" followed by the quotation
        used = {t.i for t in source} | {t.i for t in cue}
        after = [t for t in sent if t.i > verb.i and t.i not in used]
        if after and any(t.text in QUOTES for t in after):
            clause = after
    used = {t.i for t in source} | {t.i for t in cue}
    return [t for t in clause if t.i not in used]


def _quote_kind(content: str) -> str:
    inner = content.strip()
    if not any(q in inner for q in QUOTES):
        return "indirect"
    if inner[:1] in QUOTES and inner[-1:] in QUOTES:
        return "direct"
    return "mixed"


def attributions_from_parse(
    text: str, paragraphs: list[Paragraph], article_id: str | None = None
) -> list[Attribution]:
    """Every attribution of a parsed article: the learned tagger's, completed by the rules.

    The tagger (trained on PolNeAR) finds far more attributions than the rules (source
    F1 0.55 -> 0.78 on PolNeAR dev), but misses a source now and then, and does not say
    which outlet was told ("told CNN"). Where a rule found the same cue, the rule's source
    fills a missing one and its outlet is kept; a rule whose cue overlaps none of the
    tagger's spans adds its attribution.
    """
    tagged = attributions_from_tags(text, paragraphs, article_id)
    ruled = attributions_by_rules(text, paragraphs, article_id)
    # which rule's cue covers each character (the first rule's, where two do)
    rule_at = [-1] * len(text)
    for k, r in enumerate(ruled):
        for c in range(r.cue.start, r.cue.end):
            if rule_at[c] < 0:
                rule_at[c] = k
    for a in tagged:
        covering = [k for k in rule_at[a.cue.start : a.cue.end] if k >= 0]
        if not covering:
            continue
        same = ruled[min(covering)]
        if a.source is None and same.source and not _overlap(same.source, a.content):
            a.source, a.source_type, a.source_role = (same.source, same.source_type,
                                                      same.source_role)
        a.via = a.via or same.via
    taken = bytearray(len(text))  # characters inside any of the tagger's spans
    for a in tagged:
        for s in (a.source, a.cue, a.content, *a.extra.get("content_parts", ())):
            if s:
                taken[s.start : s.end] = b"\x01" * (s.end - s.start)
    extra = [r for r in ruled if not any(taken[r.cue.start : r.cue.end])]
    return sorted(tagged + extra, key=lambda a: a.cue.start)


def attributions_by_rules(
    text: str, paragraphs: list[Paragraph], article_id: str | None = None
) -> list[Attribution]:
    """Attributions found by the dependency rules alone (verbs of saying, "according to")."""
    found: list[Attribution] = []
    for paragraph in paragraphs:
        offset = paragraph.offset
        for sent in paragraph.doc.sents:
            sentence = _span(list(sent), offset, text)
            for token in sent:
                attribution = None
                if token.lemma_ in SPEECH and token.pos_ in ("VERB", "AUX"):
                    attribution = _verb_attribution(token, sent, offset, text)
                elif token.lower_ == "according" and token.nbor(1).lower_ == "to":
                    attribution = _according_to(token, sent, offset, text)
                if attribution:
                    attribution.article_id = article_id
                    attribution.sentence = sentence
                    found.append(attribution)
    return found


SPEAKER_PRONOUNS = {"he", "she", "they", "we", "i", "you", "who"}
PEOPLE_NOUNS = set(
    """candidate candidates voter voters parent parents people man men woman women
campaign campaigns website site critics critic supporters supporter leaders leader residents
resident workers worker members member lawmakers lawmaker democrats republicans americans
students student families family administration agency company companies firm group groups
team staff spokesman spokeswoman spokesperson president minister governor mayor senator
chairman director chief head secretary ambassador adviser advisor aides aide experts expert
economists economist scientists scientist doctors doctor analyst analysts researchers
researcher authorities police prosecutors prosecutor judge court officials official
sources source diplomat diplomats reporters reporter pair couple friends friend
state states country countries government governments party parties""".split()
)


def plausible_speaker(tokens: list[Any], text: str) -> bool:
    """Whether a phrase can be a source: a named thing, a speaker pronoun, anonymous
    sources, a document or an outlet; not "the supply of drones" or "plan"."""
    if len(tokens) > 15:
        return False
    if any(t.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") for t in tokens):
        return True
    if tokens[0].lower_ in SPEAKER_PRONOUNS and len(tokens) == 1:
        return True
    root = next((t for t in tokens if t.head not in tokens or t.head == t), tokens[-1])
    if root.pos_ == "PROPN" or (root.pos_ == "NOUN" and root.lower_ in PEOPLE_NOUNS):
        return True
    head = [t for t in tokens if t.dep_ in ("nsubj", "pobj", "nsubjpass") or t.head not in tokens]
    head_text = " ".join(t.text for t in head) or text
    return bool(
        ANONYMOUS.search(head_text)
        or DOCUMENT.search(head_text)
        or _MEDIA_RE.search(text)
        or re.search(
            r"\b(government|ministry|spokes\w+|"
            r"president|minister|leader|think tank|"
            r"network|team|group)\b",
            text,
            re.I,
        )
    )


def _verb_attribution(verb: Any, sent: Any, offset: int, text: str) -> Attribution | None:
    # active subjects only: the subject of "was told" is the one who listened
    subjects = [c for c in verb.children if c.dep_ == "nsubj"]
    if not subjects and verb.dep_ == "conj" and verb.head.lemma_ in SPEECH:
        subjects = [c for c in verb.head.children if c.dep_ == "nsubj"]
    if not subjects:
        source_tokens = _name_before(verb)  # a mis-attached subject: "... the think tank ISW says"
        if not source_tokens:
            return None
    else:
        source_tokens = _subtree(subjects[0])
    if not plausible_speaker(source_tokens, " ".join(t.text for t in source_tokens)):
        return None
    cue_tokens, via = _cue_tokens(verb)
    content_tokens = _content(verb, sent, source_tokens, cue_tokens)
    if len(content_tokens) < 2:
        return None
    source = _span(source_tokens, offset, text)
    cue = _span(cue_tokens, offset, text)
    content = _span(content_tokens, offset, text)
    if not (source and cue and content) or _overlap(source, cue) or _overlap(source, content):
        return None
    return Attribution(
        source,
        cue,
        content,
        _quote_kind(content.text),
        _source_type(source_tokens, source.text),
        _role(source_tokens),
        via,
        denial=verb.lemma_ in DENIAL,
        extra={"verbs": content_verbs(content_tokens),
               "predicate": has_predicate(content_tokens),
               "frame": content_frame(content_tokens, content, offset)},
    )


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _name_before(verb: Any) -> list[Any]:
    """A named entity ending right before the verb, with its modifiers to the left."""
    doc = verb.doc
    ents = [e for e in doc.ents if e.end == verb.i and e.label_ in ("PERSON", "ORG", "NORP")]
    if not ents:
        return []
    start = ents[0].start
    inside = set(range(ents[0].start, ents[0].end))
    while start > verb.sent.start:
        prev = doc[start - 1]
        if prev.dep_ in ("compound", "amod", "det", "npadvmod", "punct", "nmod", "poss") and (
            prev.head.i in inside or prev.head.i >= start or prev.text == "-"
        ):
            start -= 1
            inside.add(prev.i)
            if prev.dep_ == "det":
                break
        else:
            break
    return list(doc[start : ents[0].end])


def _according_to(token: Any, sent: Any, offset: int, text: str) -> Attribution | None:
    to = token.nbor(1)
    objects = [c for c in to.children if c.dep_ == "pobj"] or [
        c for c in token.children if c.dep_ == "pobj"
    ]
    if not objects:
        return None
    source_tokens = _subtree(objects[0])
    if not plausible_speaker(source_tokens, " ".join(t.text for t in source_tokens)):
        return None  # "according to plan"
    cue_tokens = [token, to]
    skip = {t.i for t in source_tokens} | {token.i, to.i}
    content_tokens = [t for t in sent if t.i not in skip]
    source = _span(source_tokens, offset, text)
    cue = _span(cue_tokens, offset, text)
    content = _span(content_tokens, offset, text)
    if not (source and cue and content):
        return None
    return Attribution(
        source,
        cue,
        content,
        _quote_kind(content.text),
        _source_type(source_tokens, source.text),
        _role(source_tokens),
        extra={"verbs": content_verbs(content_tokens),
               "predicate": has_predicate(content_tokens),
               "frame": content_frame(content_tokens, content, offset)},
    )


def attributions_in(text: str, article_id: str | None = None) -> list[Attribution]:
    """Attributions of one text (parses it)."""
    return attributions_from_parse(text, parse_many([text])[0], article_id)


# -- the learned tagger's attributions ---------------------------------------------------------


def _tagged(doc: Any) -> list[tuple[str, list[Any]]]:
    return [(role, list(doc[start:end])) for role, start, end in tag_spans(doc)]


class _Cues:
    """A paragraph's tagged cues, for finding the one a source or content piece belongs to
    without walking every cue for every piece (a transcript can hold thousands)."""

    def __init__(self, cues: list[list[Any]], sentence_of: list[int]) -> None:
        self.starts = [cue[0].i for cue in cues]
        self.ends = [cue[-1].i for cue in cues]
        self.sentence_of = sentence_of
        self.in_sentence: dict[int, list[int]] = {}
        for n, start in enumerate(self.starts):
            self.in_sentence.setdefault(sentence_of[start], []).append(n)

    def _distance(self, n: int, first: int, last: int) -> int:
        return self.starts[n] - last if self.starts[n] > last else first - self.ends[n]

    def nearest(self, piece: list[Any]) -> int | None:
        """The nearest cue in the piece's sentence; failing that, the nearest in the
        paragraph; None in a paragraph without cues. On a tie, the earlier cue."""
        first, last = piece[0].i, piece[-1].i
        mine = self.in_sentence.get(self.sentence_of[first])
        if mine:
            return min(mine, key=lambda n: (self._distance(n, first, last), n))
        if not self.starts:
            return None
        right = bisect.bisect_right(self.starts, last)  # cues never overlap a piece
        near = [n for n in (right - 1, right) if 0 <= n < len(self.starts)]
        return min(near, key=lambda n: (self._distance(n, first, last), n))


def _sentences(doc: Any) -> tuple[list[int], dict[int, Any]]:
    """The index of the first token of each token's sentence, and the sentences by it."""
    starts = [0] * len(doc)
    by_start = {}
    for sent in doc.sents:
        starts[sent.start : sent.end] = [sent.start] * (sent.end - sent.start)
        by_start[sent.start] = sent
    return starts, by_start


def _nearest_source(sources: list[list[Any]], cue: list[Any], sentence_of: list[int]
                    ) -> list[Any]:
    """The source piece nearest a cue, in the cue's sentence first; the earlier on a tie."""
    at = cue[0].i
    return min(sources, key=lambda p: (sentence_of[p[0].i] != sentence_of[at],
                                       abs(p[0].i - at)))


def attributions_from_tags(
    text: str, paragraphs: list[Paragraph], article_id: str | None = None
) -> list[Attribution]:
    """Attributions from the learned tagger's spans (:mod:`newstrace.claims.tagger`).

    Each cue gathers the sources and content pieces nearest to it (a source in its own
    sentence; a content piece anywhere in the paragraph, or in a following paragraph
    that has no cue of its own: "He said:" and the quotation below it). A cue with no
    source nearby shares the nearest one ("he said X and added Y"); a cue without any
    source in its paragraph keeps none (``source`` None, ``source_type`` "unstated"); a
    cue without content is dropped.
    """
    found: list[Attribution] = []
    last: int | None = None  # the index in ``found`` of the previous attribution
    for paragraph in paragraphs:
        offset = paragraph.offset
        tagged = _tagged(paragraph.doc)
        if not tagged:
            continue
        sentence_of, sentence_at = _sentences(paragraph.doc)
        cues = [tokens for role, tokens in tagged if role == "Cue"]
        index = _Cues(cues, sentence_of)
        sources: list[list[list[Any]]] = [[] for _ in cues]
        contents: list[list[list[Any]]] = [[] for _ in cues]
        orphans: list[list[Any]] = []
        for role, tokens in tagged:
            if role == "Cue":
                continue
            n = index.nearest(tokens)
            if n is not None:
                (sources if role == "Source" else contents)[n].append(tokens)
            elif role == "Content":
                orphans.append(tokens)
        all_sources = [tokens for role, tokens in tagged if role == "Source"]
        for n, cue in enumerate(cues):
            if not sources[n] and all_sources:
                # "he said X and added Y": the second cue shares the first one's source
                sources[n] = [_nearest_source(all_sources, cue, sentence_of)]
        if not cues and orphans and last is not None:
            # a quotation continuing the previous paragraph's attribution
            for tokens in orphans:
                piece = _span(tokens, offset, text)
                if piece:
                    found[last].extra.setdefault("content_parts", []).append(piece)
            continue
        for cue_tokens, source_pieces, content_pieces in zip(cues, sources, contents,
                                                             strict=True):
            if not content_pieces and source_pieces:
                content_pieces = _reported_around(cue_tokens, source_pieces)
            attribution = _from_pieces(text, offset, cue_tokens, source_pieces,
                                       content_pieces)
            if attribution is not None:
                attribution.article_id = article_id
                sentence = sentence_at[sentence_of[cue_tokens[0].i]]
                attribution.sentence = _span(list(sentence), offset, text)
                found.append(attribution)
                last = len(found) - 1
    return found


def _reported_around(cue_tokens: list[Any], source_pieces: list[list[Any]]
                     ) -> list[list[Any]]:
    """The content of a speech cue inserted in a sentence whose clauses the tagger gave
    to the attributions nested in them ("Russia has repeatedly requested drones ..., the
    sources said, and the Chinese leadership has been debating ..."): the clauses before
    and after the inserted "source cue" (each with a predicate of its own); none for a
    cue that is not a verb of saying or not inserted so."""
    head = next((t for t in cue_tokens if t.pos_ == "VERB"), None)
    if head is None or head.lemma_.lower() not in SPEECH:
        return []
    sent = cue_tokens[0].sent
    source = min(source_pieces, key=lambda p: abs(p[0].i - cue_tokens[0].i))
    start = min(source[0].i, cue_tokens[0].i)
    end = max(source[-1].i, cue_tokens[-1].i) + 1
    doc = cue_tokens[0].doc

    def clause(tokens: list[Any]) -> list[Any]:
        while tokens and (tokens[0].is_punct or tokens[0].dep_ == "cc"):
            tokens = tokens[1:]
        while tokens and tokens[-1].is_punct:
            tokens = tokens[:-1]
        return tokens if has_predicate(tokens) and len(tokens) >= 3 else []

    before = clause(list(doc[sent.start:start]))
    after = clause(list(doc[end:sent.end]))
    # inserted: a clause on each side ("X, the sources said, and Y"); a cue that opens or
    # closes its sentence without content was left so by the tagger for a reason
    return [before, after] if before and after else []


def _from_pieces(text: str, offset: int, cue_tokens: list[Any],
                 source_pieces: list[list[Any]], content_pieces: list[list[Any]]
                 ) -> Attribution | None:
    if not content_pieces:
        return None
    # the source nearest the cue; a second source piece is usually a stray pronoun
    source_tokens = min(source_pieces, key=lambda p: min(abs(p[0].i - cue_tokens[0].i),
                                                          abs(p[-1].i - cue_tokens[-1].i)),
                        default=[])
    source = _span(source_tokens, offset, text) if source_tokens else None
    cue = _span(cue_tokens, offset, text)
    pieces = [(p, s) for p in content_pieces if (s := _span(p, offset, text))]
    parts = [s for _, s in pieces]
    if not (cue and parts):
        return None
    # the content is what the cue's own sentence attributes ("“Q1,” X said. “Q2”": Q1,
    # with Q2 a further part); else the longest piece. The cue's sentence may hold two
    # pieces around it ("Beijing has not made a final decision, the sources said, but
    # negotiations ... are ongoing"): the content is both clauses, and so is its
    # proposition (a piece without a predicate of its own, "What", is no clause)
    own = [(p, s) for p, s in pieces if p[0].sent.start == cue_tokens[0].sent.start]
    clauses = [(p, s) for p, s in own if has_predicate(p)]
    content_tokens = [t for p in content_pieces for t in p]
    if len(clauses) > 1:
        # the text from the first clause to the last (the cue between them included: a
        # span is a slice of its article); its parts say which words are the content's
        start, end = clauses[0][1].start, clauses[-1][1].end
        content = Span(text[start:end], start, end)
        frame = _merged_frame([content_frame(p) for p, _ in clauses])
    else:
        content = max([s for _, s in own] or parts, key=lambda s: s.end - s.start)
        # the proposition is the chosen piece's
        own_tokens = next((p for p, s in pieces if s is content), [])
        frame = content_frame(own_tokens or content_tokens, content, offset)
    head = cue_tokens[0] if len(cue_tokens) == 1 else next(
        (t for t in cue_tokens if t.head not in cue_tokens or t.head.i == t.i), cue_tokens[0])
    via = None
    if head.lemma_ == "tell":
        told = " ".join(t.text for t in cue_tokens if t.i > head.i)
        if told and (_MEDIA_RE.search(told) or told in MEDIA):
            via = told
    attribution = Attribution(
        source,
        cue,
        content,
        _quote_kind(" ".join(p.text for p in parts)),
        _source_type(source_tokens, source.text) if source else "unstated",
        _role(source_tokens) if source else None,
        via,
        denial=head.lemma_ in DENIAL,
        extra={"verbs": content_verbs(content_tokens),
               "predicate": has_predicate(content_tokens),
               "frame": frame},
    )
    if len(parts) > 1:
        attribution.extra["content_parts"] = parts
    return attribution
