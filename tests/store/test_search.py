"""Full-text search with filters, the same on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

from newstrace.store import Store
from newstrace.store.search import search_articles
from tests.store.test_store import make_article


def fill(store: Store) -> list[str]:
    texts = ["China is considering sending drones to Russia.",
             "Drone deliveries were discussed by officials in Beijing.",
             "The weather in Kyiv was cold on Monday.",
             'A "quoted" OR NEAR(text) AND -minus article about drones.']
    arts = []
    for n, body in enumerate(texts):
        art = make_article(n, outlet="CNN" if n % 2 else "AP", published=f"2023-02-{n + 1:02d}")
        art.text = body
        arts.append(art)
    store.add_articles([(a, f"sha{n}") for n, a in enumerate(arts)])
    return [a.id for a in arts]


def test_search_words_prefix_filters_and_total(store: Store) -> None:
    ids = fill(store)
    assert [a.id for a in search_articles(store, query="drones").items] == [ids[0], ids[3]]
    # the last word matches as a prefix: "dron" finds "drones" and "drone"
    assert search_articles(store, query="dron").total == 3
    # every word must match
    assert [a.id for a in search_articles(store, query="drones russia").items] == [ids[0]]
    assert search_articles(store, query="drones", outlet="CNN").total == 1
    dated = search_articles(store, query="dron", since="2023-02-02", until="2023-02-03")
    assert [a.id for a in dated.items] == [ids[1]]
    assert search_articles(store, query="dron", ids=[ids[1], ids[2]]).total == 1
    page = search_articles(store, query="dron", limit=1, offset=1)
    assert page.total == 3 and len(page.items) == 1
    assert search_articles(store, query="zzzyqx").total == 0


def test_search_operators_in_user_input_are_plain_words(store: Store) -> None:
    ids = fill(store)
    for query in ['"quoted" OR', "NEAR(text)", "-minus AND", "drones*", "'; DROP TABLE x; --"]:
        found = [a.id for a in search_articles(store, query=query).items]
        assert set(found) <= set(ids), query
    assert [a.id for a in search_articles(store, query="NEAR(text)").items] == [ids[3]]


def test_one_filter_for_list_search_and_report_selections(store: Store) -> None:
    """`newstrace list --search`, the API/UI search and report selections filter alike:
    full-text words (the last a prefix), outlets in any case, inclusive dates."""
    fill(store)
    for filters in ({"query": "dron"}, {"query": "drones russia"}, {"outlet": "cnn"},
                    {"query": "drone", "outlet": "ap"}, {"since": "2023-02-02"},
                    {"query": "NEAR(text)"}, {"query": "rones"}):
        listed = [a.id for a in store.list_articles(**filters)]
        assert listed == [a.id for a in search_articles(store, **filters).items], filters
        assert store.count(**filters) == len(listed)
    # words, not substrings: "rones" is inside "drones" but is not a word of any text
    assert store.list_articles(query="rones") == []
    assert store.count(outlet="cnn") == store.count(outlet="CNN") == 2


def test_search_counts_up_to_a_cap_and_pages_in_ingest_order(store: Store) -> None:
    arts = []
    for n in range(30):
        art = make_article(100 + n, outlet="AP", published=f"2023-03-{n % 28 + 1:02d}")
        art.text = f"Harbour report number {n}."
        arts.append(art)
    store.add_articles([(a, f"h{n}") for n, a in enumerate(arts)])
    listed = [a.id for a in store.list_articles(query="harbour")]
    assert listed == [a.id for a in arts]  # ingest order

    page = search_articles(store, query="harbour", limit=5, offset=5, total_cap=10)
    assert (page.total, page.capped, page.total_text) == (10, True, "10+")
    assert [a.id for a in page.items] == listed[5:10]
    # past the cap the pages go on
    assert [a.id for a in search_articles(store, query="harbour", limit=5, offset=25,
                                          total_cap=10).items] == listed[25:30]
    exact = search_articles(store, query="harbour", limit=5)
    assert (exact.total, exact.capped) == (30, False)
    # a filter takes the other way (a join): the same order and cap
    filtered = search_articles(store, query="harbour", since="2000-01-01", limit=5,
                               offset=5, total_cap=10)
    assert [a.id for a in filtered.items] == listed[5:10]
    assert (filtered.total, filtered.capped) == (10, True)


def test_a_short_last_word_matches_whole_words(store: Store) -> None:
    arts = []
    for n, body in enumerate(["The UN met on Monday.", "Under the bridge.",
                              "Unusual weather sanctions."]):
        art = make_article(200 + n)
        art.text = body
        arts.append(art)
    store.add_articles([(a, f"u{n}") for n, a in enumerate(arts)])
    # two letters would match half the vocabulary as a prefix: "un" is the word UN
    assert [a.id for a in search_articles(store, query="un").items] == [arts[0].id]
    assert [a.id for a in search_articles(store, query="unu").items] == [arts[2].id]
    assert [a.id for a in search_articles(store, query="weather sanc").items] == [arts[2].id]
