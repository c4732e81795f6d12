"""Rebuild texts.jsonl and statements.jsonl of this folder (see README.md).

    python benchmarks/data/claims_labels/build_labels.py

* the sample: 40 PolNeAR dev texts, ``random.Random(SEED).sample`` of the annotated dev
  texts in name order, and the four seeds;
* PolNeAR statements: one per gold attribution relation (``E`` line) of the text's first
  annotation file (as ``benchmarks/claims_polnear.py``), with its Source, Cue and Content
  spans (discontinuous spans as pieces);
* hand statements: ``hand_statements.jsonl`` (the seeds' statements, and one a PolNeAR
  denial needs that PolNeAR does not annotate), written by hand as strings; located here (a
  content string by its only occurrence, or its first after ``after``; the cue and the
  source inside ``cue_in``/``source_in`` if given, else nearest to the content);
* ``proposition``: the rule of ``benchmarks/claims_precision.py`` (a finite verb in the
  content outside a relative clause, per spaCy's parse of the whole text, and no
  question: a cue "ask", "wonder", "question", or a content opening with "whether"), for
  both. A hand label that disagrees with the rule keeps the hand value and says so (``rule``).

``denials.jsonl`` is written by hand and is not touched here.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from claims_precision import DATA, asks, has_predicate, nlp, read_jsonl, tags_in  # noqa: E402

SEED = 16  # the number
SAMPLE = 40
POLNEAR = DATA / "polnear" / "dev"


def sample() -> list[Path]:
    annotated = [p for p in sorted((POLNEAR / "text").glob("*.txt"))
                 if list((POLNEAR / "attributions").glob(p.stem + "_*.ann"))]
    return sorted(random.Random(SEED).sample(annotated, SAMPLE))


def relations(ann: Path) -> list[dict[str, Any]]:
    """Gold relations of a brat file: E id -> {Source, Cue, Content: [(start, end)]}."""
    spans: dict[str, list[tuple[int, int]]] = {}
    out = []
    lines = ann.read_text(encoding="utf-8").splitlines()
    for line in lines:
        fields = line.split("\t")
        if line.startswith("T") and len(fields) >= 2:
            _, ranges = fields[1].split(" ", 1)
            spans[fields[0]] = [tuple(int(x) for x in r.split()) for r in ranges.split(";")]
    for line in lines:
        fields = line.split("\t")
        if not line.startswith("E") or len(fields) < 2:
            continue
        roles: dict[str, list[tuple[int, int]]] = {}
        for arg in fields[1].split():
            role, _, ref = arg.partition(":")
            role = role.rstrip("0123456789")
            if role in ("Source", "Cue", "Content") and ref in spans:
                roles.setdefault(role, []).extend(spans[ref])
        if "Content" in roles and "Cue" in roles:
            out.append({"id": fields[0], **{k: sorted(v) for k, v in roles.items()}})
    return out


def span(text: str, pieces: list[tuple[int, int]] | None) -> dict[str, Any] | None:
    if not pieces:
        return None
    return {"text": " … ".join(text[s:e] for s, e in pieces),
            "pieces": [list(p) for p in pieces]}


def judged(doc: Any, record: dict[str, Any], hand: bool | None = None) -> dict[str, Any]:
    pieces = record["content"]["pieces"]
    verbs = [t.text for t in doc if t.tag_ in ("VBD", "VBZ", "VBP", "MD")
             and any(s <= t.idx < e for s, e in pieces)]
    question = asks(record["cue"]["text"], record["content"]["text"])
    predicate = has_predicate(tags_in(doc, pieces))
    rule = predicate and not question
    if question:
        why = "asks"
    elif predicate:
        why = f"finite verb: {', '.join(verbs)}"
    elif verbs:
        why = f"finite verb only in a relative clause: {', '.join(verbs)}"
    else:
        why = "no finite verb"
    if hand is not None and hand != rule:
        why = f"by hand ({'proposition' if hand else 'no proposition'}); rule: {why}"
    record["proposition"] = rule if hand is None else hand
    record["rule"] = why
    return record


def locate(text: str, needle: str, near: list[tuple[int, int]] | None = None, after: int = 0
           ) -> tuple[int, int]:
    """A string's offsets: as a whole word, nearest to a piece of ``near`` (its start or
    end), else its only occurrence, or the first at or after ``after``."""
    found = [m.start() for m in re.finditer(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", text)]
    if not found:
        raise ValueError(f"not in the text: {needle!r}")
    if near:
        best = min(found, key=lambda s: min(min(abs(s - a), abs(s - b)) for a, b in near))
    else:
        if len(found) > 1 and not after:
            raise ValueError(f"several occurrences, give 'after': {needle!r}")
        best = next(s for s in found if s >= after)
    return best, best + len(needle)


def within(text: str, needle: str, context: str | None, near: list[tuple[int, int]]
           ) -> tuple[int, int]:
    """``needle`` inside the only occurrence of ``context`` if given, else nearest ``near``."""
    if context is None:
        return locate(text, needle, near=near)
    start, _ = locate(text, context)
    offset = context.index(needle)
    return start + offset, start + offset + len(needle)


def seed_records(docs: dict[str, Any], texts: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for hand in read_jsonl(HERE / "hand_statements.jsonl"):
        text = texts[hand["file"]]
        after = text.find(hand["after"]) if hand.get("after") else 0
        contents = hand["content"] if isinstance(hand["content"], list) else [hand["content"]]
        pieces = [locate(text, c, after=after) for c in contents]
        cue = [within(text, hand["cue"], hand.get("cue_in"), pieces)]
        source = ([within(text, hand["source"], hand.get("source_in"), pieces + cue)]
                  if hand.get("source") else None)
        record = {"id": hand["id"], "file": hand["file"], "source": span(text, source),
                  "cue": span(text, cue), "content": span(text, pieces), "from": "hand"}
        if hand.get("note"):
            record["note"] = hand["note"]
        out.append(judged(docs[hand["file"]], record, hand.get("proposition")))
    return out


def main() -> None:
    texts_out, records = [], []
    polnear = sample()
    seeds = sorted((DATA / "seeds").glob("*.txt"))
    texts = {str(p.relative_to(DATA)): p.read_text(encoding="utf-8") for p in polnear + seeds}
    docs = dict(zip(texts, nlp().pipe(list(texts.values())), strict=True))
    for path in polnear:
        name = str(path.relative_to(DATA))
        text = texts[name]
        ann = sorted((POLNEAR / "attributions").glob(path.stem + "_*.ann"))[0]
        texts_out.append({"file": name, "sha1": hashlib.sha1(text.encode()).hexdigest(),
                          "labels": f"PolNeAR gold {ann.name}; denials by hand"})
        for rel in relations(ann):
            record = {"id": f"{path.stem[:40]}#{rel['id']}", "file": name,
                      "source": span(text, rel.get("Source")), "cue": span(text, rel["Cue"]),
                      "content": span(text, rel["Content"]), "from": f"PolNeAR {rel['id']}"}
            records.append(judged(docs[name], record))
    for path in seeds:
        name = str(path.relative_to(DATA))
        texts_out.append({"file": name, "sha1": hashlib.sha1(texts[name].encode()).hexdigest(),
                          "labels": "statements and denials by hand"})
    records += seed_records(docs, texts)
    with open(HERE / "texts.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(t, ensure_ascii=False) + "\n" for t in texts_out)
    with open(HERE / "statements.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    props = sum(r["proposition"] for r in records)
    print(f"{len(texts_out)} texts, {len(records)} statements, {props} propositions")
    for r in records:
        if r["rule"].startswith("by hand"):
            print("  hand label kept:", r["id"], r["rule"], "|", r["content"]["text"][:80])


if __name__ == "__main__":
    main()
