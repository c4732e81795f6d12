"""Results listed by the articles they touch: ``result_articles`` is written with the
results, back-filled by its migration, and the indexed listings give the answer the
old in-memory scan gave (same items, same order, same totals)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import event, select, text

from newstrace.corpus import Corpus
from newstrace.corpus_view import CorpusView
from newstrace.records import Article
from newstrace.scopes import item_article_ids
from newstrace.store import Store, listing
from newstrace.store.listing import reader
from newstrace.store.schema import result_articles
from newstrace.store.search import article_index
from newstrace.store.store import MIGRATIONS


def _links(store: Store) -> set[tuple[str, str, str, int, str]]:
    ra = result_articles
    with store.engine.connect() as conn:
        return {tuple(r) for r in conn.execute(select(
            ra.c.scope, ra.c.kind, ra.c.item_id, ra.c.part, ra.c.article_id))}


def _article(n: int, outlet: str | None, published: str | None) -> Article:
    return Article(id=f"a{n:02d}", source=f"s{n}.txt", text=f"Body {n}.", title=f"T{n}",
                   outlet=outlet, published=published)


OUTLETS = ["CNN", "cnn", "BBC", None, "Zeit Österreich"]
DATES = ["2023-02-01", "2023-02-24T10:00:00Z", "2023-03-15", None, "2022-12-31"]


def _corpus(store: Store) -> None:
    """Articles a00..a19 (a20, a21 named by items but never stored), results in three
    scopes, an entity and an anomaly held by two of them."""
    store.add_articles([(_article(n, OUTLETS[n % 5], DATES[n % 5]), f"sha{n}")
                        for n in range(20)])
    def story(sid: str, ids: list[str]) -> dict[str, Any]:
        return {"id": sid, "title": sid.upper(), "article_ids": ids, "events": [
            {"id": f"{sid}-e0", "date": "2023-02-01", "article_ids": ids[:2]},
            {"id": f"{sid}-e1", "date": "2023-03-01", "article_ids": []},
            {"id": f"{sid}-e2", "date": "2023-03-02", "article_ids": ids[2:]}]}
    one = [f"a{n:02d}" for n in range(0, 8)]
    two = [f"a{n:02d}" for n in range(8, 14)] + ["a20"]
    three = [f"a{n:02d}" for n in range(14, 20)]
    store.replace_scopes([], [
        ("scope-b", one, {
            "stories": [story("story-1", one)],
            "claims": [{"id": f"claim-{n}", "article_ids": one[n:n + 2]} for n in range(6)],
            "reuse": [{"id": "reuse-1", "original": "a00", "copy": "a03"}],
            "citations": [{"id": "cite-1", "article_id": "a05", "first_report": True}],
            "entities": [{"id": "ent-shared", "article_ids": ["a01"]},
                         {"id": "ent-b", "article_ids": ["a02", "a04"]}],
            "anomalies": [{"id": "anom-shared", "article_ids": ["a06"]}]}),
        ("scope-a", two, {
            "stories": [story("story-2", two)],
            "claims": [{"id": f"claim-x{n}", "article_ids": two[n:n + 3]} for n in range(5)]
            + [{"id": "claim-none", "article_ids": []},
               {"id": "claim-unstored", "article_ids": ["a20", "a21"]}],
            "entities": [{"id": "ent-shared", "article_ids": ["a09"]}],
            "anomalies": [{"id": "anom-shared", "article_ids": ["a10"]}]}),
        ("scope-c", three, {
            "stories": [story("story-3", three)],
            "claims": [{"id": f"claim-y{n}", "article_ids": three[n:n + 1]}
                       for n in range(6)],
            "reuse": [{"id": "reuse-2", "original": "a15", "copy": "a19"}]}),
    ])


def _passing(store: Store, outlet: str | None = None, since: str | None = None,
             until: str | None = None) -> set[str]:
    """The stored articles that pass the article filters (the outlet in any case)."""
    out = set()
    for meta in article_index(store).values():
        day = (meta.get("published") or "")[:10]
        if outlet and (meta["outlet"] or "").lower() != outlet.lower():
            continue
        if (since and (not day or day < since[:10])) or (
                until and (not day or day > until[:10])):
            continue
        out.add(meta["id"])
    return out


def _reference(store: Store, kind: str, outlet: str | None = None, since: str | None = None,
               until: str | None = None, story: str | None = None) -> list[dict[str, Any]]:
    """The listing as the server computed it before the index: every item of ``kind`` in
    memory, scanned."""
    items = store.items(kind)
    if not (outlet or since or until or story):
        return items
    passing = _passing(store, outlet, since, until)
    found = store.item("stories", story) if story else None
    story_ids = set(found["article_ids"]) if found else set() if story else None
    out = []
    for item in items:
        if story and kind == "stories" and item.get("id") != story:
            continue
        ids = item_article_ids(item)
        if story_ids is not None and kind != "stories":
            ids = [a for a in ids if a in story_ids]
        if passing & set(ids):
            out.append(item)
    return out


def _reference_events(store: Store, story: str | None = None, **filters: str | None
                      ) -> list[dict[str, Any]]:
    passing = _passing(store, **filters)
    out = []
    for s in store.items("stories"):
        if story and s.get("id") != story:
            continue
        for ev in s.get("events") or []:
            if any(filters.values()) and not passing & set(ev.get("article_ids") or []):
                continue
            out.append({**ev, "story_id": s.get("id")})
    return out


FILTERS: list[dict[str, str]] = [
    {}, {"outlet": "CNN"}, {"outlet": "cnn"}, {"outlet": "bbc"}, {"outlet": "nope"},
    {"outlet": "Zeit Österreich"}, {"since": "2023-02-24"}, {"until": "2023-02-24"},
    {"since": "2023-02-02", "until": "2023-03-15"}, {"story": "story-1"},
    {"story": "story-2"}, {"story": "story-2", "outlet": "bbc"},
    {"story": "story-3", "since": "2023-03-01"}, {"story": "missing"},
    {"outlet": "CNN", "since": "2023-01-01", "until": "2023-12-31"},
]


@pytest.mark.parametrize("filters", FILTERS, ids=[str(f) for f in FILTERS])
def test_indexed_listings_give_the_scans_answer(store: Store, filters: dict[str, str]) -> None:
    _corpus(store)
    view = CorpusView(Corpus(store))
    for kind in ("stories", "claims", "entities", "reuse", "citations", "anomalies"):
        expected = _reference(store, kind, **filters)
        whole = view.page(kind, limit=500, **filters)
        assert whole["total"] == len(expected), kind
        assert whole["items"] == expected, kind
        for limit, offset in ((1, 0), (2, 1), (3, 4), (5, 100)):  # pages, from the cache too
            for _ in range(2):
                page = view.page(kind, limit=limit, offset=offset, **filters)
                assert page["total"] == len(expected)
                assert page["items"] == expected[offset:offset + limit], (kind, limit, offset)
        texts = view.page(kind, limit=500, as_text=True, **filters)["items"]
        assert [json.loads(t) for t in texts] == expected
    events = view.events_page(limit=500, **filters)
    assert events["items"] == _reference_events(store, **filters)
    assert events["total"] == len(events["items"])


def test_a_merged_item_comes_once_in_its_first_scope(store: Store) -> None:
    _corpus(store)
    view = CorpusView(Corpus(store))
    entities = view.page("entities", limit=10)["items"]
    assert [e["id"] for e in entities] == ["ent-shared", "ent-b"]  # scope-a, then scope-b
    assert entities[0]["article_ids"] == ["a01", "a09"]
    assert view.item("entities", "ent-shared") == store.item("entities", "ent-shared")
    # found by the article of its second scope (a01: cnn), listed where its first is
    assert [e["id"] for e in view.page("entities", outlet="CNN")["items"]] == ["ent-shared"]
    claims = {c["id"] for c in view.touching("claims", ["a09"])}
    assert claims == {"claim-x0", "claim-x1"}


def test_links_are_written_with_the_results_and_replaced_with_them(store: Store) -> None:
    store.save_items("reuse", [{"id": "r1", "original": "a", "copy": "b"}])
    store.save_items("stories", [{"id": "s1", "article_ids": ["a", "a", "c"],
                                  "events": [{"article_ids": ["c"]}, {}]}])
    assert _links(store) == {("", "reuse", "r1", 0, "a"), ("", "reuse", "r1", 0, "b"),
                             ("", "stories", "s1", 0, "a"), ("", "stories", "s1", 0, "c"),
                             ("", "events", "s1", 0, "c"), ("", "events", "s1", 1, "")}
    store.save_items("stories", [{"id": "s2", "article_ids": ["d"]}])  # replaces the kind
    assert _links(store) == {("", "reuse", "r1", 0, "a"), ("", "reuse", "r1", 0, "b"),
                             ("", "stories", "s2", 0, "d")}
    store.replace_scopes([], [("s-1", ["x", "y"], {"claims": [
        {"id": "c1", "article_ids": ["x"]}, {"id": "c2", "article_ids": ["y"]}]}),
        ("s-2", ["z"], {"claims": [{"id": "c3", "article_ids": ["z"]}]})])
    assert {r for r in _links(store) if r[1] == "claims"} == {
        ("s-1", "claims", "c1", 0, "x"), ("s-1", "claims", "c2", 0, "y"),
        ("s-2", "claims", "c3", 0, "z")}
    store.replace_scopes(["s-1"], [("s-3", ["x", "y"], {"claims": [
        {"id": "c1", "article_ids": ["x", "y"]}]})])
    assert {r for r in _links(store) if r[1] == "claims"} == {
        ("s-3", "claims", "c1", 0, "x"), ("s-3", "claims", "c1", 0, "y"),
        ("s-2", "claims", "c3", 0, "z")}
    assert len([r for r in _links(store) if r[1] == "reuse"]) == 2  # other scopes stay


def test_every_visible_write_changes_the_generation(store: Store) -> None:
    seen = {store.generation()}
    writes = [lambda: store.add_article(_article(1, "CNN", "2023-01-01")),
              lambda: store.save_items("claims", [{"id": "c"}]),
              lambda: store.replace_scopes([], [("s", ["a01"], {"claims": []})]),
              lambda: store.save_state("web.analyses", {"status": {}})]
    for write in writes:
        write()
        seen.add(store.generation())
    assert len(seen) == len(writes) + 1
    store.add_article(_article(1, "CNN", "2023-01-01"))  # stored already: nothing changed
    assert store.generation() in seen


def test_the_cache_answers_for_its_generation_only(store: Store) -> None:
    _corpus(store)
    view = CorpusView(Corpus(store))
    assert view.page("claims", outlet="cnn")["total"] == len(_reference(store, "claims",
                                                                        outlet="cnn"))
    other = Store.open(store.engine.url.render_as_string(hide_password=False))
    try:  # another process's write (a CLI run, another worker)
        other.save_items("claims", [{"id": "late", "article_ids": ["a00"]}])
    finally:
        other.close()
    assert view.page("claims", outlet="cnn")["total"] == len(_reference(store, "claims",
                                                                        outlet="cnn"))
    assert "late" in {c["id"] for c in view.page("claims", limit=100)["items"]}


def _upgrade_to(store: Store, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store._write() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_migration_backfills_the_links_of_an_older_store(store_url: str) -> None:
    old = Store.open(store_url, migrate=False)
    try:
        _upgrade_to(old, "0004")
        stories = {"id": "s1", "article_ids": ["a01", "a02"],
                   "events": [{"article_ids": ["a02"]}]}
        with old.transaction() as conn:
            conn.execute(text(
                "INSERT INTO results (kind, scope, item_id, data) VALUES "
                "('stories', 'sc', 's1', :s), ('claims', 'sc', 'c1', :c), "
                "('reuse', '', 'r1', :r)"),
                {"s": json.dumps(stories),
                 "c": '{"id": "c1", "article_ids": ["a01"]}',
                 "r": '{"id": "r1", "original": "a02", "copy": "a03"}'})
    finally:
        old.close()
    with Store.open(store_url) as store:  # migrates to the head, 0005 back-fills
        assert _links(store) == {
            ("sc", "stories", "s1", 0, "a01"), ("sc", "stories", "s1", 0, "a02"),
            ("sc", "events", "s1", 0, "a02"), ("sc", "claims", "c1", 0, "a01"),
            ("", "reuse", "r1", 0, "a02"), ("", "reuse", "r1", 0, "a03")}
        store.add_articles([(_article(2, "CNN", "2023-01-01"), "x")])
        view = CorpusView(Corpus(store))
        assert [c["id"] for c in view.page("claims", story="s1")["items"]] == []
        assert [r["id"] for r in view.page("reuse", outlet="cnn")["items"]] == ["r1"]


def _page_keys(store: Store, kind: str, one_scope_each: bool, limit: int, offset: int
               ) -> list[str]:
    with reader(store) as r:
        return [i["id"] for i in r.page_items(kind, limit=limit, offset=offset,
                                                one_scope_each=one_scope_each)]


def test_deep_pages_start_from_bookmarks_and_are_the_offsets_pages(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the first BOOKMARK items an unfiltered page starts from the key of the last
    bookmark before its offset: the same items as walking the offset, for either
    listing (one row an id, or ids in several scopes), however the pages are asked for;
    a results write makes the bookmarks found before it unused."""
    monkeypatch.setattr(listing, "BOOKMARK", 3)
    _corpus(store)
    store.save_items("claims", [{"id": f"claim-z{n:02d}", "article_ids": ["a01"]}
                                for n in range(25)])  # a scope "" before the others

    def check() -> None:
        for kind in ("claims", "entities", "stories"):
            expected = [i["id"] for i in store.items(kind)]
            with reader(store) as r:
                one_scope_each = not r.spans_scopes(kind)
            for limit in (1, 2, 5):
                for offset in [*range(len(expected) + 3), 7, 3, 0, 12]:  # asked out of order
                    got = _page_keys(store, kind, one_scope_each, limit, offset)
                    assert got == expected[offset:offset + limit], (kind, limit, offset)
                    if one_scope_each:  # the other statement gives it too
                        assert _page_keys(store, kind, False, limit, offset) == got

    check()
    with reader(store) as r:
        assert r.bookmark("claims", 7) == (("", "claim-z06"), 1)
        assert r.bookmark("claims", 1000) == (None, 1000)  # past the end
    # a write before the bookmarks' keys: every page moves by one
    store.replace_scopes([], [("scope-0", ["a00"], {"claims": [
        {"id": "claim-0", "article_ids": ["a00"]}]})])
    check()
    with reader(store) as r:
        assert r.bookmark("claims", 7) == (("", "claim-z06"), 1)  # found again, the same
    view = CorpusView(Corpus(store))  # the API's page: its items and total alike
    whole = store.items("claims")
    for offset in (0, 4, 13, 30, len(whole) - 1):
        page = view.page("claims", limit=4, offset=offset)
        assert page["items"] == whole[offset:offset + 4] and page["total"] == len(whole)


def test_items_touching_articles_read_in_one_statement_each_chunk(store: Store) -> None:
    """A story's (or an article's) items of one kind: their bodies in one statement
    (per 500 articles), an item touching articles of two chunks once, merged over its
    scopes, in listing order."""
    _corpus(store)
    many = [f"x{n:04d}" for n in range(600)]
    store.replace_scopes([], [("scope-d", ["a01"], {
        "claims": [{"id": "claim-wide", "article_ids": [many[0], many[599]]}],
        "entities": [{"id": "ent-shared", "article_ids": [many[1]]}]})])
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    with reader(store) as r:
        event.listen(store.engine, "before_cursor_execute", note)
        try:
            found = r.items_touching("claims", ["a00", "a09"])
        finally:
            event.remove(store.engine, "before_cursor_execute", note)
        assert [c["id"] for c in found] == ["claim-x0", "claim-x1", "claim-0"]  # a, then b
        assert len([s for s in seen if "result_articles" in s]) == 1
        assert [c["id"] for c in r.items_touching("claims", many)] == ["claim-wide"]
        shared = r.items_touching("entities", [*many, "a09"])
        assert shared == [store.item("entities", "ent-shared")]
        assert len(shared[0]["article_ids"]) == 3  # merged: a01, a09 and x0001
