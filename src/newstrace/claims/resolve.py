"""Resolve mentions across articles into entities, with every variant and its kind.

Rules, constrained by type and context so that two people with close names stay apart:

* exact: the same text (case, dots and "the" aside: "U.S." = "US");
* alias: a known alias ("US" / "United States") or an acronym of a longer name of
  the same type ("ISW" / "Institute for the Study of War");
* partial: a lone surname or given name that ends (or starts) exactly one full
  name of the same type ("Yi" -> "Wang Yi"; a "Wang" shared by two is left alone);
* misspelling / garbled: a person whose surname is close to another's (rapidfuzz
  ratio >= 70, same initial, compatible given names) AND who appears in the same
  article, or very close (>= 85) anywhere ("Jen Psi" / "Psaki", "Dmitry Pesco" /
  "Peskov"). The variant seen less often is the garbled one; on a tie, the
  shorter surname (machine translation drops letters more often than it adds).

>>> entities = resolve([Mention("Wang Yi", 0, 7, "person", article_id="a"),
...                     Mention("Yi", 20, 22, "person", article_id="a"),
...                     Mention("Wang Wenbin", 30, 41, "person", article_id="a")])
>>> sorted(e.name for e in entities)
['Wang Wenbin', 'Wang Yi']
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from newstrace.claims.entities import Mention

ALIASES = {"us": "united states", "usa": "united states", "u.s.a": "united states",
           "america": "united states", "uk": "united kingdom", "britain": "united kingdom",
           "great britain": "united kingdom", "un": "united nations", "eu": "european union",
           "kyiv": "kiev", "prc": "china", "russian federation": "russia",
           "spiegel": "der spiegel", "cbs": "cbs news", "ap": "associated press",
           "nyt": "the new york times", "new york times": "the new york times",
           "washington post": "the washington post"}
FUZZY_SAME_ARTICLE = 70
FUZZY_ANYWHERE = 85
_SMALL = {"of", "for", "the", "and", "on", "in", "de"}


_POSSESSIVE = re.compile(r"[’']s$")
_THE = re.compile(r"^the\s+", re.I)
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=200_000)  # names repeat across a corpus; bounded for servers
def normalize(text: str) -> str:
    key = _POSSESSIVE.sub("", text.strip())
    key = _THE.sub("", key).replace(".", "").lower()
    key = _SPACES.sub(" ", key)
    return ALIASES.get(key, key)


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w.lower() not in _SMALL and w[:1].isalpha())


@dataclass
class Entity:
    id: str
    name: str
    type: str
    subtype: str | None
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)

    @property
    def article_ids(self) -> list[str]:
        return sorted({a for v in self.variants.values() for a in v["article_ids"]})

    def to_dict(self) -> dict[str, Any]:
        variants = sorted(self.variants.values(), key=lambda v: (-v["count"], v["text"]))
        return {"id": self.id, "name": self.name, "type": self.type, "subtype": self.subtype,
                "variants": [{**v, "article_ids": sorted(v["article_ids"])} for v in variants],
                "article_ids": self.article_ids, "roles": sorted(set(self.roles)),
                "garbled": any(v["garbled"] for v in variants)}


class _Group:
    def __init__(self, key: str, type_: str) -> None:
        self.key = key
        self.type = type_
        self.texts: Counter[str] = Counter()
        self.articles: dict[str, set[str]] = defaultdict(set)
        self.subtypes: Counter[str] = Counter()
        self.kind: dict[str, str] = {}

    @property
    def best_text(self) -> str:
        return max(self.texts, key=lambda t: (self.texts[t], len(t), t))

    @property
    def tokens(self) -> list[str]:
        return self.best_text.split()

    @property
    def all_articles(self) -> set[str]:
        return {a for s in self.articles.values() for a in s}


def resolve(mentions: list[Mention]) -> list[Entity]:
    """Entities from mentions of any number of articles."""
    groups: dict[tuple[str, str], _Group] = {}
    for m in mentions:
        key = (m.type, normalize(m.text))
        group = groups.setdefault(key, _Group(key[1], m.type))
        group.texts[m.text] += 1
        group.articles[m.text].add(m.article_id or "")
        if m.subtype:
            group.subtypes[m.subtype] += 1
    merged_into: dict[tuple[str, str], tuple[str, str]] = {}

    def root(key: tuple[str, str]) -> tuple[str, str]:
        while key in merged_into:
            key = merged_into[key]
        return key

    def merge(small: tuple[str, str], big: tuple[str, str], kind: str) -> None:
        small, big = root(small), root(big)
        if small == big:
            return
        merged_into[small] = big
        target, source = groups[big], groups[small]
        for text, count in source.texts.items():
            target.texts[text] += count
            target.kind.setdefault(text, source.kind.get(text, kind))
            target.articles[text] |= source.articles[text]
        for text, kind_of in source.kind.items():
            target.kind.setdefault(text, kind_of)
        target.subtypes.update(source.subtypes)

    keys = sorted(groups, key=lambda k: (-len(k[1].split()), k))
    by_type: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in keys:
        by_type[key[0]].append(key)
    for type_, type_keys in by_type.items():
        long_names = [k for k in type_keys if len(k[1].split()) >= 2]
        # aliases and acronyms; a name's initials are remembered until a merge changes
        # its group's best text
        initials_of: dict[tuple[str, str], str] = {}
        for key in type_keys:
            text = groups[key].best_text
            if text.isupper() and 2 <= len(text) <= 6:
                matches = []
                for k in long_names:
                    initials = initials_of.get(k)
                    if initials is None:
                        initials = initials_of[k] = _initials(groups[k].best_text)
                    if initials == text:
                        matches.append(k)
                if len(matches) == 1:
                    merge(key, matches[0], "acronym")
                    initials_of.pop(root(matches[0]), None)
        if type_ == "person":
            _resolve_people(groups, type_keys, merge, root)
        else:
            # close spellings of a longer name ("Kremlin" / "the Kremlin's"): every pair
            # scored at once in rapidfuzz's C++, then merged in the order of the keys
            named = [k for k in type_keys if len(k[1]) > 6]
            if len(named) < 2:
                continue
            scores = process.cdist([k[1] for k in named], [k[1] for k in named],
                                   scorer=fuzz.token_sort_ratio, score_cutoff=88,
                                   dtype=np.uint8)
            for i, j in zip(*np.nonzero(scores), strict=True):
                a, b = named[i], named[j]
                if a < b and root(a) != root(b):
                    merge(b, a, "alias")
    entities = []
    for key in sorted({root(k) for k in groups}):
        group = groups[key]
        entities.append(_entity(group))
    return entities


def _resolve_people(groups: dict[tuple[str, str], _Group], keys: list[tuple[str, str]],
                    merge: Any, root: Any) -> None:
    full = [k for k in keys if len(k[1].split()) >= 2]
    single = [k for k in keys if len(k[1].split()) == 1]
    # misspelt or garbled full names and surnames (checked before partials, so that
    # "Peskov" can join "Dmitry Pesco" as the better-spelt form of the same surname)
    candidates = full + single
    words = [k[1].split() for k in candidates]
    # only surnames of three letters or more with the same initial are ever compared
    by_initial: dict[str, list[int]] = defaultdict(list)
    for i, w in enumerate(words):
        if len(w[-1]) >= 3:
            by_initial[w[-1][0]].append(i)
    for same_initial in by_initial.values():
        for n, i in enumerate(same_initial):
            for j in same_initial[n + 1:]:
                _compare_people(groups, candidates, words, i, j, merge, root)
    # lone surnames and given names
    full_by_end: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for k in full:  # each full name under its first and its last word
        first, *_, last = k[1].split()
        full_by_end[first].append(k)
        full_by_end[last].append(k)
    for key in single:
        if root(key) != key:
            continue
        matches = {root(k) for k in full_by_end.get(key[1], ())}
        if len(matches) == 1:
            merge(key, matches.pop(), "partial")


def _compare_people(groups: dict[tuple[str, str], _Group], candidates: list[tuple[str, str]],
                    words: list[list[str]], i: int, j: int, merge: Any, root: Any) -> None:
    """Merge candidates ``i`` and ``j`` if one is a misspelling of the other."""
    a, b = candidates[i], candidates[j]
    ta, tb = words[i], words[j]
    sa, sb = ta[-1], tb[-1]
    if sa == sb or root(a) == root(b):
        return
    if len(ta) > 1 and len(tb) > 1 and ta[0] != tb[0]:
        return  # different given names: different people
    score = fuzz.ratio(sa, sb)
    if score < FUZZY_SAME_ARTICLE:
        return
    if score >= FUZZY_ANYWHERE or groups[a].all_articles & groups[b].all_articles:
        garbled, good = _which_garbled(groups[a], groups[b], a, b)
        merge(garbled, good, "garbled")


def _which_garbled(ga: _Group, gb: _Group, a: tuple[str, str], b: tuple[str, str]
                   ) -> tuple[tuple[str, str], tuple[str, str]]:
    na, nb = sum(ga.texts.values()), sum(gb.texts.values())
    if na != nb:
        return (a, b) if na < nb else (b, a)
    sa, sb = a[1].split()[-1], b[1].split()[-1]
    return (a, b) if len(sa) < len(sb) else (b, a)


def _entity(group: _Group) -> Entity:
    texts = group.texts
    own = [t for t in texts if t not in group.kind]
    canonical = max(own or list(texts), key=lambda t: (len(t.split()), texts[t], t))
    name = canonical
    if group.type == "person":
        given = [t.split()[0] for t in texts if len(t.split()) >= 2]
        if len(name.split()) == 1 and given:  # "Psaki" + "Jen Psi" -> "Jen Psaki"
            name = f"{given[0]} {name}"
    subtype = group.subtypes.most_common(1)[0][0] if group.subtypes else None
    entity = Entity("ent-" + hashlib.sha1(f"{group.type}:{normalize(name)}".encode())
                    .hexdigest()[:10], name, group.type, subtype)
    for text, count in texts.items():
        kind = group.kind.get(text)
        if kind is None:
            if text == canonical:
                kind = "canonical"
            elif normalize(text) == normalize(canonical):
                kind = "alias"  # "U.S." / "US" / "United States"
            else:
                kind = "partial" if len(text.split()) < len(canonical.split()) else "alias"
        elif kind == "garbled" and len(text.split()) < len(name.split()) and \
                text.split()[-1] == name.split()[-1]:
            kind = "partial"
        entity.variants[text] = {"text": text, "kind": kind, "count": count,
                                 "article_ids": set(group.articles[text]),
                                 "garbled": kind == "garbled"}
    return entity
