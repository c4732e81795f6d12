"""Each boilerplate rule and classifier pass on small synthetic inputs."""

from __future__ import annotations

import pytest

from newstrace.clean import clean_document
from newstrace.clean.boilerplate import RULES, match_line, plea_reason
from newstrace.clean.classify import classify_blocks, is_headline_like, is_prose
from newstrace.clean.text import split_blocks
from newstrace.records import RawDocument

BODY = ("Officials in the capital said on Tuesday that the new bridge would open next "
        "month after years of delays.")
BODY2 = ("The project cost more than twice the original estimate, according to a report "
         "published by the city auditor.")


def clean_text(text: str, **hints):
    return clean_document(RawDocument("t.txt", text, "text", hints=hints))


@pytest.mark.parametrize(("line", "reason"), [
    ("Copyright © 2024", "copyright-notice"),
    ("© 2023 Example Media. All rights reserved.", "copyright-notice"),
    ("The work of Example Press is supported by the Open Foundation", "funding-notice"),
    ("When referencing our materials, please include an active hyperlink.", "reprint-notice"),
    ("Privacy and Cookie Policies.", "cookie-notice"),
    ("This website uses cookies to improve your experience. Accept", "cookie-notice"),
    ("Please disable your ad blocker to support us.", "ad-blocker-plea"),
    ("To suggest a correction or clarification, write to us here", "correction-prompt"),
    ("You can also highlight the text and press Ctrl + Enter", "correction-prompt"),
    ("Leave a Comment", "comment-prompt"),
    ("Leave a Reply", "comment-prompt"),
    ("12 Comments", "comment-prompt"),
    ("Related Posts", "related-links"),
    ("You may also like", "related-links"),
    ("Read also:", "read-also"),
    ("READ MORE: Bridge opening delayed again", "read-also"),
    ("The post Bridge opens appeared first on Daily Planet.", "syndication-footer"),
    ("This article originally appeared on Example News.", "syndication-footer"),
    ("Become a Patron!", "donation-plea"),
    ("Sign up for our newsletter to get the latest updates", "subscription-plea"),
    ("Share on Facebook", "share-prompt"),
    ("Advertisement", "ad-label"),
    ("Photo: Jane Doe / Example Agency", "media-credit"),
])
def test_rule_table(line, reason):
    assert match_line(line) == reason


@pytest.mark.parametrize("line", [
    BODY,
    "The company said it would donate part of its profits to the hospital.",
    "Critics said the cookie policy of the regulator was too weak, and lawmakers agreed "
    "to revisit it in a long debate that lasted several hours on Tuesday evening in the "
    "chamber, where members of both parties asked for stricter rules on tracking, data "
    "retention, consent and the sale of personal information to brokers.",
    "He left a comment on the minister's post.",
    "Copyright law was at the heart of the dispute.",
    "Related to the dispute, the council also voted on a new budget for the coming year.",
])
def test_rules_leave_prose_alone(line):
    assert match_line(line) is None


def test_every_rule_has_reason_and_note():
    assert all(r.reason and r.note and r.max_chars > 0 for r in RULES)


def test_plea_needs_two_cues():
    assert plea_reason("Support our journalism: readers like you keep us going.") == "donation-plea"
    assert plea_reason("The fund received donations from 300 people.") is None


def test_headline_and_prose_shapes():
    assert is_headline_like("China to cross “red line” if it provides weapons – US envoy")
    assert not is_headline_like("The talks resumed on Monday.")
    assert is_prose(BODY) and not is_prose("Related Posts")


def test_other_headline_between_paragraphs():
    art = clean_text(f"Bridge opens\n\n{BODY}\n\nMayor faces questions over city budget\n\n{BODY2}")
    assert [(b.text, b.reason) for b in art.boilerplate if b.reason == "other-headline"] == [
        ("Mayor faces questions over city budget", "other-headline")]
    assert art.text == f"{BODY}\n\n{BODY2}"


def test_question_subheading_is_kept():
    question = "Why does the bridge matter to the city?"
    art = clean_text(f"Bridge opens\n\n{BODY}\n\n{question}\n\n{BODY2}")
    assert "Why does the bridge matter to the city?" in art.text


def test_quoted_sentence_between_paragraphs_is_kept():
    for quote in ("''All Bets Are Off.''", "“Should we believe them as well?”"):
        art = clean_text(f"Bridge opens\n\n{BODY}\n\n{quote}\n\n{BODY2}")
        assert quote in art.text


def test_short_subheading_is_kept():
    art = clean_text(f"Bridge opens\n\n{BODY}\n\nBackground\n\n{BODY2}")
    assert "Background" in art.text


def test_duplicate_title_glued_to_paragraph():
    art = clean_text(f"Bridge opens after delays\n\nBridge opens after delays\n{BODY}\n\n{BODY2}")
    assert art.title == "Bridge opens after delays"
    assert [b.reason for b in art.boilerplate] == ["title", "duplicate-title"]
    assert art.text.startswith("Officials in the capital")


def test_promo_block_removed_whole():
    promo = ("    Want more?\n    • Know what moves the world.\n    • Stay informed with Example.\n"
             "    Special discount\n    for our readers")
    art = clean_text(f"Bridge opens\n\n{BODY}\n\n{BODY2}\n\n{promo}")
    promos = [b for b in art.boilerplate if b.reason == "promo"]
    assert len(promos) == 1 and "Special discount" in promos[0].text
    assert "Stay informed" not in art.text


def test_related_list_items_follow_header():
    art = clean_text(f"Bridge opens\n\n{BODY}\n\n{BODY2}\n\nRelated Posts\n\n"
                     "Mayor faces questions over budget\n\nNew tram line approved by council")
    assert art.text == f"{BODY}\n\n{BODY2}"
    assert {b.reason for b in art.boilerplate} == {"title", "related-links"}


def test_inline_read_also_does_not_swallow_next_heading():
    art = clean_text(f"Bridge opens\n\n{BODY}\n\nRead also: Mayor faces questions\n\n"
                     f"Why the bridge took so long\n\n{BODY2}")
    assert "Why the bridge took so long" in art.text
    assert [b.reason for b in art.boilerplate] == ["title", "read-also"]


def test_live_blog_header_dateline_byline():
    c = classify_blocks(split_blocks(
        f"Election night: live updates\n\n9:05 a.m. ET, Nov. 6, 2024\n\nVoters head to polls\n\n"
        f"By Jane Doe and John Roe, Reuters\n\n{BODY}"))
    assert c.dateline == "2024-11-06T09:05:00-05:00"
    assert c.title == "Voters head to polls"
    assert c.authors == ["Jane Doe", "John Roe"] and c.byline_outlet == "Reuters"
    assert [b.reason for b in c.boilerplate] == ["live-blog-header", "dateline", "title", "byline"]


def test_paragraph_structure_kept():
    art = clean_text(f"Title line\n\n{BODY}\nSecond sentence line.\n\n\n\n{BODY2}")
    assert art.text == f"{BODY}\nSecond sentence line.\n\n{BODY2}"


def test_one_sentence_per_line_corpus_has_no_title():
    text = "Perennial party girl Tara Reid checked into rehab , her rep told People .\nShe is 33 ."
    art = clean_text(text)
    assert art.title is None
    assert art.text == text
