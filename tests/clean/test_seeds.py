"""Acceptance tests on the four seed articles (see /work/shared/data/seeds)."""

from __future__ import annotations


def reasons(article):
    return [b.reason for b in article.boilerplate]


def dropped(article, reason):
    return [b.text for b in article.boilerplate if b.reason == reason]


def test_000_cnn_live_blog(seed):
    art = seed("000")
    assert art.outlet == "CNN" and art.outlet_from == "byline"
    assert art.title == ("US intelligence suggests China is leaning toward sending drones "
                         "and munitions to Russia, sources say")
    assert art.published == "2023-02-24T23:58:00-05:00"  # 11:58 p.m. ET in February = EST
    assert art.published_from == "dateline"
    assert art.authors == ["Natasha Bertrand", "Zachary Cohen"]
    assert dropped(art, "live-blog-header") == ["Russia’s war in Ukraine: live updates"]
    assert dropped(art, "comment-prompt") == ["Leave a Comment"]
    assert "Leave a Comment" not in art.text
    assert "live updates" not in art.text and "From CNN’s" not in art.text
    assert art.text.startswith("US intelligence officials suggest the Chinese government")
    assert art.text.endswith("sufficient ammunition. to provide.")
    assert "What China has said publicly:" in art.text  # inline lead-in stays
    assert art.language == "en"
    assert art.text.count("\n\n") == 13  # 14 paragraphs, blank-line separated


def test_001_syndicated_repost(seed):
    art = seed("001")
    assert art.outlet == "Gatto Presss" and art.outlet_from == "syndication-footer"
    assert art.title == ("Sources told CNN: US intelligence believes that China is considering "
                         "supplying drones to Russia")
    assert art.published is None and art.published_from is None
    assert "appeared first on" not in art.text
    assert dropped(art, "syndication-footer")[0].startswith("The post Sources told CNN")
    assert art.text.startswith("(CNN) — Three sources told CNN")
    assert "Why might getting parades from China be important to Russia?" in art.text
    assert art.authors == []


def test_002_dateline_and_inline_headline(seed):
    art = seed("002")
    assert art.published == "2023-01-30" and art.published_from == "dateline"
    assert art.title == ("U.S. officials say Russia is seeking military assistance from China "
                         "in the war with Ukraine")
    assert art.outlet is None and art.outlet_from is None  # it only cites CBS News
    assert dropped(art, "other-headline") == ["Russia seeks military assistance from China"]
    assert "\n\nRussia seeks military assistance from China\n\n" not in art.text
    assert "Slow progress may have triggered" in art.text
    assert "According to a recent Pentagon report" in art.text
    # contributors are credited in the text, not listed as authors
    assert art.authors == []
    assert art.text.endswith("Mary Ilyushina and Camila Schick contributed to this report.")


def test_004_euromaidan_boilerplate(seed):
    art = seed("004")
    assert art.outlet == "Euromaidan Press" and art.outlet_from == "copyright"
    assert art.title == "China considering sending weapons to Russia – ISW"
    assert art.published is None  # "Copyright © 2024" and "February 24" are not publication dates
    for reason in ("copyright-notice", "funding-notice", "reprint-notice", "cookie-notice",
                   "duplicate-title", "other-headline", "read-also", "donation-plea",
                   "correction-prompt", "promo", "ad-blocker-plea", "related-links"):
        assert reason in reasons(art), reason
    assert len(dropped(art, "correction-prompt")) == 3
    for junk in ("Copyright", "Renaissance Foundation", "active hyperlink", "Cookie Policies",
                 "red line", "Read also", "Become a Patron", "Ctrl + Enter", "corrections here",
                 "Kompreno", "ad blocker", "Related Posts", "Special discount"):
        assert junk not in art.text, junk
    assert "China considering sending weapons to Russia – ISW" not in art.text
    paragraphs = art.text.split("\n\n")
    assert len(paragraphs) == 10  # every real paragraph stays
    assert paragraphs[0].startswith("In its February 24 assessment")
    assert paragraphs[-1].startswith("Intensified Western sanctions regimes")
    assert dropped(art, "other-headline") == [
        "China to cross “red line” if it provides weapons to Russia – US Ambassador to UN"]


def test_seed_ids_are_content_hashes(seed):
    from newstrace.records import article_id

    art = seed("002")
    assert art.id == article_id(art.text, None)
