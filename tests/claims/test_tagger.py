"""The learned attribution tagger: BIO spans, the shipped model, training on brat files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newstrace.claims import tagger, training
from newstrace.claims.attribution import attributions_in, proposition_text
from newstrace.claims.token_strings import in_quotation
from newstrace.nlp.crf import spans_of
from newstrace.nlp.fastparse import parse_many


def test_spans_of_bio_labels() -> None:
    labels = ["B-Source", "I-Source", "B-Cue", "O", "I-Content", "I-Content", "B-Content"]
    assert spans_of(labels) == [("Source", 0, 2), ("Cue", 2, 3), ("Content", 4, 6),
                                       ("Content", 6, 7)]
    assert spans_of([]) == []


def test_quotation_state_nests_and_toggles() -> None:
    doc = parse_many(["He said “we will” and \"no\" then."])[0][0].doc
    words = [t.text for t in doc]
    inside = dict(zip(words, in_quotation(words), strict=True))
    assert inside["we"] and inside["no"] and not inside["He"] and not inside["then"]


def test_shipped_model_tags_an_attribution() -> None:
    doc = parse_many(["Three sources told CNN that China is considering it."])[0][0].doc
    found = {role: doc[start:end].text for role, start, end in tagger.tag_spans(doc)}
    assert found["Source"] == "Three sources"
    assert found["Cue"].startswith("told")
    assert "China is considering it" in found["Content"]


def test_attributions_beyond_verbs_of_saying() -> None:
    # the rules know verbs of saying; the tagger learned PolNeAR's wider notion
    found = attributions_in("Republicans mocked the plan as a giveaway to donors.")
    assert [(a.source.text, a.cue.text) for a in found if a.source] == [
        ("Republicans", "mocked")]


def test_interrupted_quotation_keeps_its_pieces() -> None:
    found = attributions_in("“We will not send arms,” the spokesman said, “and we never "
                            "have.”")
    said = next(a for a in found if a.cue.text == "said")
    assert said.source and said.source.text == "the spokesman"
    parts = said.extra.get("content_parts") or [said.content]
    assert [p.text for p in parts] == ["“We will not send arms,”", "“and we never have.”"]
    # both clauses around the cue are the content (a slice of the text, cue inside);
    # the proposition claims are grouped by is the pieces without the cue
    content = said.to_dict()["content"]["text"]
    assert content.startswith("“We will not send arms") and content.endswith("never have.”")
    assert proposition_text(said) == "“We will not send arms,” “and we never have.”"



def test_the_content_is_the_quotation_of_the_cues_own_sentence() -> None:
    # a longer quotation after the sentence is a further part, not the content
    found = attributions_in("“The report is false,” the spokesman said in a statement on "
                            "Monday. “Our position is stable and clear, and we are playing "
                            "a constructive role in promoting the peace talks.”")
    said = next(a for a in found if a.cue.text.startswith("said"))
    assert "The report is false" in said.content.text
    parts = [p.text for p in said.extra.get("content_parts") or []]
    assert any("Our position is stable" in p for p in parts)

def _brat_split(root: Path) -> Path:
    """A two-text PolNeAR-style split: text/NAME.txt and attributions/NAME_ann.ann."""
    texts = {
        "a": ("Officials said the talks failed. The mayor told reporters that taxes "
              "would rise."),
        "b": "The senator argued that the bill was dead. Critics doubt it.",
    }
    spans = {
        "a": [("Source", "Officials"), ("Cue", "said"), ("Content", "the talks failed"),
              ("Source", "The mayor"), ("Cue", "told reporters"),
              ("Content", "that taxes would rise")],
        "b": [("Source", "The senator"), ("Cue", "argued"),
              ("Content", "that the bill was dead"), ("Source", "Critics"),
              ("Cue", "doubt"), ("Content", "it")],
    }
    (root / "text").mkdir(parents=True)
    (root / "attributions").mkdir()
    for name, text in texts.items():
        (root / "text" / f"{name}.txt").write_text(text)
        lines, at = ["#\tbroken line without fields", "junk"], 0
        for n, (role, words) in enumerate(spans[name], start=1):
            start = text.index(words, at)
            at = start + len(words)
            lines.append(f"T{n}\t{role} {start} {at}\t{words}")
        (root / "attributions" / f"{name}_ann.ann").write_text("\n".join(lines) + "\n")
    return root


def test_training_labels_tokens_and_writes_a_model(tmp_path: Path) -> None:
    split = _brat_split(tmp_path / "train")
    data = training.sequences(split)
    labels = [label for _, seq in data for label in seq]
    assert labels[:3] == ["B-Source", "B-Cue", "B-Content"]
    assert "I-Content" in labels and "O" in labels
    model = tmp_path / "m.crfsuite"
    training.train(data, model, iterations=20, min_freq=1)
    assert model.stat().st_size > 0
    import pycrfsuite

    trained = pycrfsuite.Tagger()
    trained.open(str(model))
    assert len(trained.tag(data[0][0])) == len(data[0][1])


def test_training_refuses_the_dev_split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    for tagger_name in ("attributions", "entities"):
        monkeypatch.setattr("sys.argv", ["training", tagger_name, str(tmp_path / "dev")])
        with pytest.raises(SystemExit):
            training.main()


def test_pieces_go_to_the_nearest_cue_in_their_sentence_first() -> None:
    from newstrace.claims.attribution import _Cues, _sentences

    doc = parse_many(["Officials said one thing. Later the mayor told us more and the aide "
                      "added a detail."])[0][0].doc
    words = [t.text for t in doc]
    said, told, added = words.index("said"), words.index("told"), words.index("added")
    sentence_of = _sentences(doc)[0]
    cues = _Cues([[doc[said]], [doc[told]], [doc[added]]], sentence_of)
    mayor = [doc[words.index("mayor")]]
    detail = [doc[words.index("detail")]]
    officials = [doc[0]]
    assert cues.nearest(mayor) == 1
    assert cues.nearest(detail) == 2
    assert cues.nearest(officials) == 0
    lone = _Cues([[doc[said]]], sentence_of)
    assert lone.nearest(detail) == 0  # no cue in its sentence: the nearest in the paragraph
    assert _Cues([], sentence_of).nearest(detail) is None


def test_a_long_transcript_paragraph_keeps_every_attribution() -> None:
    text = "“It is fine,” he said. " * 300
    found = attributions_in(text)
    assert len(found) == 300
    assert all(a.source and a.source.text == "he" for a in found)


def _reference_features(doc: Any) -> list[list[str]]:
    """The tagger's features read token by token, as the model was first trained on."""
    quoted = in_quotation([t.text for t in doc])
    out = []
    for i, t in enumerate(doc):
        q = "1" if quoted[i] else "0"
        f = ["b", "w=" + t.lower_, "l=" + t.lemma_.lower(), "p=" + t.pos_, "t=" + t.tag_,
             "d=" + t.dep_, "dl=" + t.dep_ + ">" + t.head.lemma_.lower(),
             "hp=" + t.head.pos_, "lp=" + t.lemma_.lower() + "/" + t.pos_,
             "s3=" + t.lower_[-3:], "sh=" + t.shape_[:4], "e=" + t.ent_type_, "q=" + q]
        f += ["first"] * bool(t.is_sent_start)
        if i + 1 == len(doc) or doc[i + 1].is_sent_start:
            f.append("last")
        f += ["title"] * t.is_title
        if t.pos_ in ("VERB", "AUX"):
            f += ["c=" + c.dep_ for c in t.children]
        child, head, depth = t, t.head, 0
        while head.i != child.i and depth < 2:
            if head.pos_ in ("VERB", "AUX"):
                depth += 1
                rel, verb = child.dep_, head.lemma_.lower()
                f += [f"g{depth}={rel}>{verb}", f"g{depth}r={rel}", f"g{depth}v={verb}"]
            child, head = head, head.head
        for o in (-2, -1, 1, 2):
            if 0 <= i + o < len(doc):
                n = doc[i + o]
                f += [f"{o}w={n.lower_}", f"{o}p={n.pos_}", f"{o}q={'1' if quoted[i + o] else '0'}"]
            else:
                f.append(f"{o}w=<edge>")
        if i + 1 < len(doc):
            f.append(f"bi={t.lower_}_{doc[i + 1].lower_}")
        if i > 0:
            f.append(f"-bi={doc[i - 1].lower_}_{t.lower_}")
        out.append(f)
    return out


def test_features_from_arrays_match_token_by_token_reading(seeds_dir: Path) -> None:
    texts = [f.read_text() for f in sorted(seeds_dir.glob("*.txt"))]
    texts.append("“We will not,” he said, “and we never have.” The sources, who told CNN "
                 "about it, said so. Is it? Yes.")
    for paragraphs in parse_many(texts):
        for paragraph in paragraphs:
            assert tagger.paragraph_features(paragraph.doc) == _reference_features(
                paragraph.doc)
