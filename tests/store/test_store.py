"""The store keeps articles and results identically on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from newstrace.records import Article, Boilerplate, InputError
from newstrace.store import Store, StoreError, database_url


def make_article(n: int, **extra: object) -> Article:
    return Article(
        id=f"{n:016x}",
        source=f"file{n}.txt",
        text=f"Body of article {n}. Officials said something on Monday.",
        title=f"Title {n}",
        outlet=extra.pop("outlet", "CNN"),
        authors=["A. Writer"],
        published=extra.pop("published", f"2023-02-{n + 1:02d}"),
        published_from="dateline",
        language="en",
        boilerplate=[Boilerplate("Leave a Comment", "comment-prompt")],
    )


def test_round_trip_keeps_every_field(store: Store) -> None:
    article = make_article(1)
    assert store.add_article(article) is True
    assert store.get(article.id) == article
    assert store.get("nope") is None


def test_adding_twice_adds_nothing(store: Store) -> None:
    article = make_article(1)
    assert store.add_articles([(article, "sha1")]) == [True]
    assert store.add_articles([(article, "sha1")]) == [False]
    assert store.count() == 1
    assert store.known_source(article.source, "sha1") == article.id
    assert store.known_source(article.source, "other") is None


def test_batch_with_repeats_and_known_sources(store: Store) -> None:
    a, b = make_article(1), make_article(2)
    moved = make_article(1)
    moved.source = "copy-of-1.txt"  # the same article read from a second file
    assert store.add_articles([(a, "s1"), (b, "s2"), (moved, "s3"), (a, "s1")]) == \
        [True, True, False, False]
    assert [x.id for x in store.list_articles()] == [a.id, b.id]
    # a source read again with other bytes now points at what it holds now
    edited = make_article(3)
    edited.source = "file1.txt"
    assert store.add_articles([(b, "s2"), (edited, "s1b")]) == [False, True]
    assert store.known_sources([("file1.txt", "s1"), ("file1.txt", "s1b"),
                                ("copy-of-1.txt", "s3"), ("file2.txt", "other"),
                                ("nope", "s1")]) == {
        ("file1.txt", "s1b"): edited.id, ("copy-of-1.txt", "s3"): a.id}


def test_failed_batch_rolls_back_whole(store: Store) -> None:
    store.add_article(make_article(1))
    broken = make_article(2)
    broken.text = None  # type: ignore[assignment]  # NOT NULL violation mid-batch
    with pytest.raises(Exception):  # noqa: B017 - the driver's IntegrityError
        store.add_articles([(make_article(3), "a"), (broken, "b")])
    # the good article of the failed batch is not half-written; the earlier one survives
    assert [a.id for a in store.list_articles()] == [make_article(1).id]
    assert store.known_source("file3.txt", "a") is None


def test_listing_filters_and_order(store: Store) -> None:
    for n in range(5):
        store.add_article(make_article(n, outlet="CNN" if n % 2 else "BBC"))
    assert [a.title for a in store.list_articles()] == [f"Title {n}" for n in range(5)]
    assert store.count(outlet="CNN") == 2
    assert [a.title for a in store.list_articles(since="2023-02-03", until="2023-02-04")] == [
        "Title 2", "Title 3"]
    assert store.count(query="article 4") == 1
    assert [a.title for a in store.list_articles(limit=2, offset=1)] == ["Title 1", "Title 2"]
    ids = [make_article(3).id, "missing", make_article(0).id]
    assert [a.title for a in store.get_many(ids)] == ["Title 3", "Title 0"]


def test_errors_state_and_items(store: Store) -> None:
    store.record_errors([InputError("bad.json", "malformed JSON at line 2")])
    assert store.errors() == [InputError("bad.json", "malformed JSON at line 2", "ingest")]
    assert store.load_state("reuse") is None
    store.save_state("reuse", {"signatures": [1, 2]})
    store.save_state("reuse", {"signatures": [1, 2, 3]})
    assert store.load_state("reuse") == {"signatures": [1, 2, 3]}
    store.save_items("stories", [{"id": "s1", "title": "x"}, {"id": "s2", "title": "y"}])
    store.save_items("stories", [{"id": "s2", "title": "z"}])
    assert store.items("stories") == [{"id": "s2", "title": "z"}]
    assert store.item("stories", "s2") == {"id": "s2", "title": "z"}


def test_reopening_keeps_data_and_schema_is_migrated(store_url: str) -> None:
    with Store.open(store_url) as first:
        first.add_article(make_article(7))
    with Store.open(store_url) as second:
        assert second.count() == 1
        tables = set(inspect(second.engine).get_table_names())
        assert {"articles", "sources", "alembic_version", "results", "article_scopes"} <= tables


def test_bad_database_url_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(StoreError, match="cannot open store"):
        Store.open("postgresql://nobody@127.0.0.1:1/none")
    assert database_url("x.db") == "sqlite:///x.db"
