"""The response cache of the read routes (newstrace.service.response_cache): what a
cached answer is keyed by, what invalidates it, and that a cached page still gives
every browser its own CSRF token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from newstrace.records import Article
from newstrace.server import create_app
from newstrace.service.response_cache import ResponseCache
from newstrace.store import Store
from tests.api.conftest import TOKEN

STORY = "story-75ec6c71103e052b"
BASE = "http://127.0.0.1"


def _how(response: Any) -> str | None:
    return response.headers.get("x-newstrace-cache")


def _token(page: str, action: str = "analyze") -> str:
    found = re.search(rf'action="/{action}\?csrf_token=([0-9a-f]+)"', page)
    assert found, page
    return found.group(1)


def _middleware(app: FastAPI) -> ResponseCache:
    """The app's ResponseCache instance (built with the stack, at the first request)."""
    layer: Any = app.middleware_stack
    while layer is not None and not isinstance(layer, ResponseCache):
        layer = getattr(layer, "app", None)
    assert isinstance(layer, ResponseCache)
    return layer


def _other_process(db: str) -> Store:
    """The store opened again: what another worker or a CLI ingest writes through."""
    return Store.open(db)


def _add_result(db: str, kind: str, item: dict[str, Any]) -> None:
    """Store ``item`` in a scope of its own, from another process's connection."""
    other = _other_process(db)
    try:
        other.replace_scopes([], [(f"late-{item['id']}", [], {kind: [item]})])
    finally:
        other.close()


def _article(n: int, outlet: str = "CNN", text: str = "") -> Article:
    return Article(id=f"new{n:04d}", source=f"late/{n}.txt", outlet=outlet,
                   title=f"Late article {n}", published="2023-03-01", language="en",
                   text=text or f"zeppelinology is the word of article {n}")


def test_two_browsers_get_their_own_token_from_one_cached_page(seeded_db: str) -> None:
    app = create_app(seeded_db)
    with TestClient(app, base_url=BASE) as one, TestClient(app, base_url=BASE) as two:
        first, second = one.get("/upload"), two.get("/upload")
        assert (_how(first), _how(second)) == ("miss", "hit")  # one body, rendered once
        placeholder = _middleware(app).placeholder
        assert placeholder not in first.text and placeholder not in second.text
        token_one, token_two = _token(first.text), _token(second.text)
        nonce_one, nonce_two = one.cookies["newstrace_csrf"], two.cookies["newstrace_csrf"]
        assert nonce_one != nonce_two and token_one != token_two
        assert "samesite=strict" in second.headers["set-cookie"].lower()
        csrf = app.state.csrf
        assert (token_one, token_two) == (csrf.token(nonce_one), csrf.token(nonce_two))
        # each token is good with its own cookie only
        crossed = two.post(f"/analyze?csrf_token={token_one}", files={"go": (None, "1")},
                           follow_redirects=False)
        assert crossed.status_code == 403
        own = one.post(f"/analyze?csrf_token={token_one}", files={"go": (None, "1")},
                       follow_redirects=False)
        assert own.status_code == 303
        # a browser that comes back keeps its nonce, and so its token
        again = one.get("/upload")
        assert _how(again) == "hit" and _token(again.text) == token_one
        app.state.jobs.shutdown(wait=True)


def test_a_browser_without_cookie_gets_a_nonce_with_a_cached_page(client: TestClient
                                                                  ) -> None:
    client.get("/")
    client.cookies.clear()
    page = client.get("/")
    assert _how(page) == "hit"
    assert client.cookies.get("newstrace_csrf")  # set on the hit, as an uncached page does


def test_sign_in_state_is_part_of_a_page_s_key(token_client: TestClient) -> None:
    c = token_client
    page = c.get("/upload")
    assert 'id="sign-in"' in page.text
    c.post(f"/sign-in?csrf_token={_token(page.text, 'sign-in')}", data={"token": TOKEN},
           follow_redirects=False)
    signed = c.get("/upload")
    assert _how(signed) == "miss" and 'id="upload"' in signed.text
    c.cookies.set("newstrace_auth", "forged")
    assert 'id="sign-in"' in c.get("/upload").text


def test_json_answers_are_kept_until_a_write(client: TestClient, seeded_db: str) -> None:
    first = client.get("/api/claims?limit=5&offset=1")
    again = client.get("/api/claims?offset=1&limit=5")  # the same query, in another order
    assert (_how(first), _how(again)) == ("miss", "hit") and first.content == again.content
    assert _how(client.get("/api/claims?limit=5&offset=2")) == "miss"
    _add_result(seeded_db, "claims", {"id": "claim-0000-late", "text": "late"})
    after = client.get("/api/claims?limit=5&offset=1")
    assert _how(after) == "miss" and after.json()["total"] == first.json()["total"] + 1


def test_an_ingest_keeps_results_answers_and_changes_article_answers(
        client: TestClient, seeded_db: str) -> None:
    story, claims = client.get(f"/stories/{STORY}"), client.get(f"/api/claims?story={STORY}")
    search = client.get("/api/articles?q=zeppelinology")
    page = client.get("/articles?q=zeppelinology")
    health = client.get("/api/health").json()
    assert search.json()["total"] == 0 and "No articles match" in page.text
    other = _other_process(seeded_db)
    try:  # an article no result names, of an outlet stored already
        other.add_articles([(_article(1), "raw1")])
    finally:
        other.close()
    # the results answers live through it...
    assert _how(client.get(f"/stories/{STORY}")) == "hit"
    kept = client.get(f"/api/claims?story={STORY}")
    assert _how(kept) == "hit" and kept.content == claims.content
    assert story.status_code == 200
    # ...what shows articles does not
    search = client.get("/api/articles?q=zeppelinology")
    assert _how(search) == "miss" and [a["id"] for a in search.json()["items"]] == ["new0001"]
    page = client.get("/articles?q=zeppelinology")
    assert _how(page) == "miss" and "Late article 1" in page.text
    assert client.get("/api/articles/new0001").status_code == 200
    assert client.get("/api/health").json()["articles"] == health["articles"] + 1


def test_an_analysis_write_changes_the_story_page(client: TestClient, seeded_db: str
                                                  ) -> None:
    before = client.get(f"/stories/{STORY}")
    story = client.get(f"/api/stories/{STORY}").json()
    other = _other_process(seeded_db)
    try:
        other.save_items("stories", [{**story, "title": "A retitled story"}])
    finally:
        other.close()
    after = client.get(f"/stories/{STORY}")
    assert _how(after) == "miss" and "A retitled story" in after.text
    assert "A retitled story" not in before.text
    assert client.get(f"/api/stories/{STORY}").json()["title"] == "A retitled story"


def test_an_article_a_result_names_or_a_new_outlet_changes_results_answers(
        client: TestClient, seeded_db: str) -> None:
    # a result naming an article not stored yet
    _add_result(seeded_db, "claims", {"id": "claim-ahead", "text": "ahead of its article",
                                      "article_ids": ["new0002"]})
    listing = "/api/claims?outlet=Zeta%20News&limit=100"
    assert client.get(listing).json()["total"] == 0
    assert "Zeta News" not in client.get("/").text  # not a choice of the outlet filter
    other = _other_process(seeded_db)
    try:
        other.add_articles([(_article(2, outlet="Zeta News"), "raw2")])
    finally:
        other.close()
    found = client.get(listing)
    assert _how(found) == "miss" and [c["id"] for c in found.json()["items"]] == [
        "claim-ahead"]
    assert "Zeta News" in client.get("/").text
    other = _other_process(seeded_db)
    try:  # a new outlet alone changes them too (the filter offers it)
        before = other.results_generation()
        other.add_articles([(_article(3, outlet="Omega Wire"), "raw3")])
        assert other.results_generation() != before
        before = other.results_generation()
        other.add_articles([(_article(4, outlet="Omega Wire"), "raw4")])
        assert other.results_generation() == before
    finally:
        other.close()


def test_every_results_write_changes_the_results_generation(seeded_db: str) -> None:
    store = Store.open(seeded_db)
    try:
        seen = {store.results_generation()}
        writes = [lambda: store.save_items("claims", [{"id": "c"}]),
                  lambda: store.replace_scopes([], [("s", ["new0009"], {"claims": []})]),
                  lambda: store.save_state("web.analyses", {"status": {}})]
        for write in writes:
            write()
            seen.add(store.results_generation())
        assert len(seen) == len(writes) + 1
    finally:
        store.close()


def test_etag_revalidation_of_json(client: TestClient, seeded_db: str) -> None:
    first = client.get("/api/claims")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    same = client.get("/api/claims", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    assert _how(same) == "revalidated"
    assert "content-security-policy" in same.headers  # the guard's headers still
    assert client.get("/api/claims", headers={"If-None-Match": '"other"'}).status_code == 200
    # another query, another tag; pages get none (their token differs per browser)
    assert client.get("/api/claims?limit=3").headers["etag"] != etag
    assert "etag" not in client.get("/").headers
    _add_result(seeded_db, "claims", {"id": "claim-zz", "text": "new"})
    changed = client.get("/api/claims", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


@pytest.mark.parametrize("path", ["/api/jobs", "/api/csrf", "/style.css"])
def test_jobs_tokens_and_files_are_not_cached(client: TestClient, path: str) -> None:
    assert _how(client.get(path)) is None


def test_errors_are_not_kept(client: TestClient) -> None:
    assert client.get("/api/claims?since=nope").status_code == 422
    assert _how(client.get("/api/claims?since=nope")) == "miss"
    assert _how(client.get("/api/stories/nope")) == "miss"
    assert _how(client.get("/api/stories/nope")) == "miss"


def test_memory_bounded_and_large_answers_not_kept(seeded_db: str) -> None:
    app = create_app(seeded_db, response_cache_bytes=40_000)
    with TestClient(app, base_url=BASE) as c:
        whole = c.get("/api/report")  # larger than an entry may be: sent on, not held
        assert whole.status_code == 200 and len(whole.content) > 5_000
        assert whole.json()["claims"] and whole.json()["articles"]
        again = c.get("/api/report")
        assert _how(again) == "miss" and again.content == whole.content
        for offset in range(40):
            assert c.get(f"/api/claims?limit=1&offset={offset}").status_code == 200
        cache = _middleware(app)
        held = cache.caches["results"]
        assert 0 < held.weight <= held.budget and len(held) < 40
        assert _how(c.get("/api/claims?limit=1&offset=39")) == "hit"  # the latest stay
        assert _how(c.get("/api/claims?limit=1&offset=0")) == "miss"  # the oldest went


def test_no_cache_when_the_budget_is_zero(seeded_db: str) -> None:
    app = create_app(seeded_db, response_cache_bytes=0)
    with TestClient(app, base_url=BASE) as c:
        assert [_how(c.get("/")) for _ in range(2)] == ["miss", "miss"]
        page = c.get("/upload")
        assert _token(page.text) == app.state.csrf.token(c.cookies["newstrace_csrf"])


def test_tokens_and_cache_on_either_store(store_url: str) -> None:
    """The tokens as the cache reads them (a driver cursor, no SQLAlchemy transaction)
    on SQLite and PostgreSQL, and a cached answer replaced after a write there."""
    from newstrace.store.listing import read_generations

    with Store.open(store_url) as store:
        assert read_generations(store) == ("", "")
        store.add_articles([(_article(1), "raw1")])
        store.save_items("claims", [{"id": "c1", "text": "one", "article_ids": ["new0001"]}])
        tokens = read_generations(store)
        assert tokens == (store.generation(), store.results_generation()) and all(tokens)
        store.add_articles([(_article(2), "raw2")])  # named by nothing, a known outlet
        after = read_generations(store)
        assert after[0] != tokens[0] and after[1] == tokens[1]
    app = create_app(store_url)
    with TestClient(app, base_url=BASE) as c:
        assert [_how(c.get("/api/claims")) for _ in range(2)] == ["miss", "hit"]
        assert _how(c.get("/api/articles?q=zeppelinology")) == "miss"
        with Store.open(store_url) as store:
            store.save_items("claims", [{"id": "c2", "text": "two"}])
            store.add_articles([(_article(3), "raw3")])
        again = c.get("/api/claims")
        assert _how(again) == "miss" and [i["id"] for i in again.json()["items"]] == ["c2"]
        found = c.get("/api/articles?q=zeppelinology").json()
        assert found["total"] == 3


def test_a_large_streamed_answer_is_passed_on_as_it_comes(seeded_db: str) -> None:
    """A body sent in parts that outgrows an entry is sent on part by part, whole and
    uncached (no route streams today: the middleware must not hold one if one does)."""
    from starlette.applications import Starlette
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    from newstrace.service.state import Service

    parts = [bytes([65 + i]) * 3000 for i in range(10)]

    async def stream(_request: Any) -> StreamingResponse:
        async def body() -> Any:
            for part in parts:
                yield part
        return StreamingResponse(body(), media_type="application/json")

    service = Service.open(seeded_db)
    try:
        inner = Starlette(routes=[Route("/api/report", stream)])
        with TestClient(ResponseCache(inner, service, budget=16_000), base_url=BASE) as c:
            for _ in range(2):
                got = c.get("/api/report")
                assert got.content == b"".join(parts) and _how(got) == "miss"
    finally:
        service.close()


def test_the_stories_page_draws_the_dossier_s_timelines(client: TestClient,
                                                        seeded_db: str) -> None:
    """The stories page keeps each story's timeline per results generation: it is the
    one the dossier draws from the story's stored articles, and changes with them."""
    from newstrace.report.dossier import timeline_svg

    stories = client.get("/api/stories").json()["items"]
    articles = {a["id"]: a for a in client.get("/api/articles?limit=500").json()["items"]}
    page = client.get("/").text
    assert stories and all(str(timeline_svg(s, articles)) in page for s in stories)
    story = next(s for s in stories if s["article_ids"])
    first = story["article_ids"][0]
    store = _other_process(seeded_db)
    try:  # the story's first article moves to another day: an analysis rewrote it
        store.save_items("stories", [{**story, "events": [
            {**e, "timeline": [{"article_id": first, "date": "2020-01-02"}]}
            for e in story.get("events") or [{"id": "e1", "title": "e"}]]}])
    finally:
        store.close()
    assert "2020-01-02" in client.get("/").text and "2020-01-02" not in page


def test_a_story_page_shows_the_first_item_of_a_kind_stored_later(tmp_path: Any) -> None:
    """A story page looks up no kind that has no item at all (known per results
    generation): the first one stored is a results write, and the page shows it."""
    from tests.fixtures.load import fixture_report, load_into

    db = str(tmp_path / "no-anomalies.db")
    with Store.open(db) as store:
        load_into(store, {**fixture_report(), "anomalies": []})
    app = create_app(db)
    with TestClient(app, base_url=BASE) as c:
        story = c.get(f"/api/stories/{STORY}").json()
        assert "zeppelin-shaped pattern" not in c.get(f"/stories/{STORY}").text
        _add_result(db, "anomalies", {"id": "anomaly-late", "kind": "burst",
                                      "article_ids": story["article_ids"][:1],
                                      "description": "a zeppelin-shaped pattern"})
        page = c.get(f"/stories/{STORY}")
        assert _how(page) == "miss" and "zeppelin-shaped pattern" in page.text
