"""Entity mentions: spaCy's NER plus rules for what the small English model misses.

Media outlets ("Der Spiegel", "CBS News") are tagged as organisations of subtype
media from a list and from cue patterns ("German outlet X", "told X"); product
and weapon codes ("ZT-180", "TB2") by their shape; think tanks by their name.

>>> [(m.text, m.type, m.subtype) for m in find_mentions("Der Spiegel said the ZT-180 drone flew.")]
[('Der Spiegel', 'organization', 'media'), ('ZT-180', 'product', 'weapon')]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from newstrace.nlp.fastparse import parse_many

MEDIA = ["CNN", "CBS News", "CBS", "NBC News", "NBC", "ABC News", "Fox News", "BBC", "Reuters",
         "Associated Press", "AP", "AFP", "Bloomberg", "The New York Times", "New York Times",
         "The Washington Post", "Washington Post", "The Wall Street Journal",
         "Wall Street Journal", "The Guardian", "Der Spiegel", "Spiegel", "Le Monde",
         "Financial Times", "Politico", "Axios", "Al Jazeera", "TASS", "RIA Novosti",
         "Xinhua", "Global Times", "Euromaidan Press", "Kyiv Independent", "Meduza",
         "The Times", "Sky News", "NPR", "PBS", "Breitbart", "Huffington Post", "HuffPost",
         "USA Today", "The Hill", "Newsweek", "Time", "Deutsche Welle", "DW", "Gatto Presss"]
THINK_TANKS = ["Institute for the Study of War", "ISW", "RAND", "Brookings Institution",
               "Atlantic Council", "Chatham House", "Council on Foreign Relations"]
_MEDIA_RE = re.compile(r"\b(" + "|".join(re.escape(m) for m in sorted(MEDIA, key=len,
                                                                       reverse=True)) + r")\b")
_TANK_RE = re.compile(r"\b(" + "|".join(re.escape(m) for m in THINK_TANKS) + r")\b")
_OUTLET_CUE = re.compile(r"\b(?:outlet|publication|magazine|newspaper|broadcaster|daily|"
                         r"news agency|channel|network)\s+((?:[A-Z][\w'’-]+\s?){1,4})")
_CODE = re.compile(r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z]{1,4}-?\d{1,4}[A-Z]?\b")
SPEECH_LEMMAS = {"say", "tell", "add", "state", "claim", "deny", "announce", "confirm", "warn",
                 "insist", "argue", "write", "note", "explain", "report", "ask", "respond"}
_ORG_WORDS = re.compile(r"\b(Ministry|Council|Department|Office|Party|Agency|Institute|Company|"
                        r"Corp|Inc|Group|Bank|House|Force|Army|Navy|Committee|Commission|Union|"
                        r"Association|Court|Congress|Parliament|Kremlin|Pentagon|Service|"
                        r"Foundation|University|Fund|Organization|Organisation)\b")
SPACY_TYPES = {"PERSON": "person", "ORG": "organization", "GPE": "place", "LOC": "place",
               "FAC": "place", "PRODUCT": "product", "NORP": "group"}


@dataclass(slots=True)
class Mention:
    text: str
    start: int
    end: int
    type: str
    subtype: str | None = None
    article_id: str | None = None

    def to_dict(self, within: str | None = None) -> dict[str, Any]:
        """Every field as JSON, for :meth:`from_dict` to rebuild the same mention.
        ``within``: the article's text; the dict is then compact: the text is left out
        where it is the slice ``within[start:end]``, and a subtype or article id that is
        None too (a product kept per article needs no second copy of its words).

        >>> text = "Der Spiegel said the ZT-180 drone flew."
        >>> drone = Mention("ZT-180", 21, 27, "product", "weapon")
        >>> drone.to_dict(text)
        {'start': 21, 'end': 27, 'type': 'product', 'subtype': 'weapon'}
        >>> Mention.from_dict(drone.to_dict(text), text) == drone
        True
        """
        data = {"text": self.text, "start": self.start, "end": self.end, "type": self.type,
                "subtype": self.subtype, "article_id": self.article_id}
        if within is None:
            return data
        if within[self.start : self.end] == self.text:
            del data["text"]
        return {key: value for key, value in data.items() if value is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], within: str | None = None) -> Mention:
        """The mention :meth:`to_dict` gave ``data`` for (with the same ``within``)."""
        start, end = data["start"], data["end"]
        if "text" in data:
            text = data["text"]
        elif within is None:
            raise ValueError("a mention without its text needs the text it was found in")
        else:
            text = within[start:end]
        return cls(text, start, end, data["type"], data.get("subtype"), data.get("article_id"))


def _rule_mentions(text: str) -> list[Mention]:
    found = [Mention(m.group(1), m.start(1), m.end(1), "organization", "media")
             for m in _MEDIA_RE.finditer(text)]
    for m in _OUTLET_CUE.finditer(text):
        name = m.group(1).strip()
        found.append(Mention(name, m.start(1), m.start(1) + len(name), "organization", "media"))
    found += [Mention(m.group(1), m.start(1), m.end(1), "organization", "think-tank")
              for m in _TANK_RE.finditer(text)]
    found += [Mention(m.group(0), m.start(), m.end(), "product", "weapon")
              for m in _CODE.finditer(text) if not re.fullmatch(r"[A-Z]\d{1,2}", m.group(0))]
    return found


#: a name that is only a title ("National Security Adviser", "Foreign Minister")
_TITLE_ONLY = re.compile(
    r"(?:(?:the|[A-Z][a-z]+|of|and)\s+)*(?:Adviser|Advisor|Secretary|Minister|Spokesman|"
    r"Spokeswoman|Spokesperson|President|Ambassador|Director|Chairman|Chairwoman|Envoy)s?")
#: an organisation noun right before a name: "company Rosatom", "manufacturer Xi'an ..."
_AFTER_ORG_NOUN = re.compile(r"\b(?:company|firm|corporation|agency|manufacturer|maker|"
                             r"conglomerate|operator|bank|giant|group|outlet|publication)\s+$")
#: the verbs of a credit line: "Mary Ilyushina and Camila Schick contributed to this report"
_CREDIT_LEMMAS = frozenset({"contribute"})


def _looks_like_person(ent: Any) -> bool:
    """An ORG that is a person: a name without an organisation word that speaks
    ("..., Psaki said") or is coordinated with a person ("Mary X and Camila Y")."""
    if _ORG_WORDS.search(ent.text) or ent.text.isupper() or _MEDIA_RE.fullmatch(ent.text):
        return False
    if not all(t.is_title for t in ent):
        return False
    root = ent.root
    if root.dep_ in ("nsubj", "nsubjpass") and (root.head.lemma_ in SPEECH_LEMMAS
                                              or root.head.lemma_ in _CREDIT_LEMMAS):
        return True
    if root.dep_ == "conj" and root.head.dep_ in ("nsubj", "nsubjpass") \
            and root.head.head.lemma_ in _CREDIT_LEMMAS:
        return True  # the second name of a credit line
    neighbours = [root.head] if root.dep_ == "conj" else []
    neighbours += [c for c in root.children if c.dep_ == "conj"]
    return any(n.ent_type_ == "PERSON" for n in neighbours)


class _Taken:
    """The characters of a text that mentions already cover (one byte each: an overlap
    test is a search in C, not a walk through every mention so far).

    >>> taken = _Taken(10); taken.add(2, 5)
    >>> taken.overlaps(4, 8), taken.overlaps(5, 8), taken.overlaps(0, 2)
    (True, False, False)
    """

    def __init__(self, size: int) -> None:
        self.covered = bytearray(size)

    def add(self, start: int, end: int) -> None:
        self.covered[start:end] = b"\1" * (end - start)

    def overlaps(self, start: int, end: int) -> bool:
        return self.covered.find(1, start, end) >= 0


def _balanced(name: str, following: str) -> str:
    """A name whose bracket the tagger left open: closed when the text closes it next,
    else cut before it ("Office of Foreign Assets Control (OFAC" -> "... (OFAC)").

    >>> _balanced("Office of Foreign Assets Control (OFAC", ")")
    'Office of Foreign Assets Control (OFAC)'
    >>> _balanced("Office of Foreign Assets Control (OFAC", " ")
    'Office of Foreign Assets Control'
    >>> _balanced("Der Spiegel", ".")
    'Der Spiegel'
    """
    if name.count("(") <= name.count(")"):
        return name
    if following == ")":
        return name + ")"
    return name[: name.rfind("(")].rstrip()


def mentions_from_parse(text: str, paragraphs: list[Any]) -> list[Mention]:
    """Mentions in ``text`` from its parsed paragraphs plus the rules; rules win overlaps.

    A lone given or family name of a person named in full elsewhere in the text
    ("Yi" after "Wang Yi") is found even where the tagger missed it.
    """
    found = _rule_mentions(text)
    taken = _Taken(len(text))
    for m in found:
        taken.add(m.start, m.end)
    for paragraph in paragraphs:
        for ent in paragraph.doc.ents:
            kind = SPACY_TYPES.get(ent.label_)
            if kind == "organization" and _looks_like_person(ent):
                kind = "person"
            if kind is None or _TITLE_ONLY.fullmatch(ent.text):
                continue  # "National Security Adviser": a role, not who holds it
            start, end = paragraph.offset + ent.start_char, paragraph.offset + ent.end_char
            if kind == "person" and _AFTER_ORG_NOUN.search(text, 0, start):
                kind = "organization"  # "nuclear power company Rosatom"
            name = ent.text
            if name.lower().startswith("the "):  # "the United States" -> "United States"
                start, name = start + 4, name[4:]
            name = re.sub(r"[’']s$", "", name)
            name = _balanced(name, text[start + len(name):start + len(name) + 1])
            end = start + len(name)
            if not name or taken.overlaps(start, end):
                continue
            found.append(Mention(name, start, end, kind))
            taken.add(start, end)
    name_parts = {part for m in found if m.type == "person" and len(m.text.split()) >= 2
                  for part in m.text.split() if len(part) >= 2 and part[0].isupper()}
    for part in sorted(name_parts):
        for m in re.finditer(rf"(?<![\w-]){re.escape(part)}(?![\w-])", text):
            if not taken.overlaps(m.start(), m.end()):
                found.append(Mention(part, m.start(), m.end(), "person"))
                taken.add(m.start(), m.end())
    found.sort(key=lambda m: m.start)
    return found


def find_mentions(text: str) -> list[Mention]:
    """Mentions of one text (parses it)."""
    return mentions_from_parse(text, parse_many([text])[0])
