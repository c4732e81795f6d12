from __future__ import annotations

import time

import pytest

from tests.api.conftest import TOKEN, csrf_headers
from tests.fixtures.load import fixture_report

REPORT = fixture_report()
IDS = [a["id"] for a in REPORT["articles"]]
ARTICLES = {a["id"]: a for a in REPORT["articles"]}
STORY = REPORT["stories"][0]


def day(aid: str) -> str:
    return (ARTICLES[aid].get("published") or "")[:10]


def claims_from(outlet: str) -> int:
    return sum(any(ARTICLES[a]["outlet"] == outlet for a in c["article_ids"])
               for c in REPORT["claims"])


def wait(client, job_id, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_health_and_openapi(client):
    assert client.get("/api/health").json()["articles"] == len(IDS)
    spec = client.get("/openapi.json").json()
    assert "/api/articles" in spec["paths"] and "/api/jobs/{job_id}" in spec["paths"]


def test_security_headers(client):
    r = client.get("/api/health")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_articles_list_paging_and_search(client):
    page = client.get("/api/articles", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 4 and len(page["items"]) == 2 and page["offset"] == 1
    assert client.get("/api/articles", params={"q": "drones"}).json()["total"] >= 2
    assert client.get("/api/articles", params={"q": "zzzyqx"}).json()["total"] == 0
    assert client.get("/api/articles", params={"outlet": "CNN"}).json()["total"] == 1
    dated = client.get("/api/articles", params={"since": "2023-02-01",
                                                "until": "2023-02-24"}).json()
    assert [a["id"] for a in dated["items"]] == [a for a in IDS if day(a) == "2023-02-24"]
    in_story = client.get("/api/articles", params={"story": STORY["id"]}).json()["total"]
    assert in_story == len(STORY["article_ids"]) == 3  # 002, dated 2022 by its content, apart


def test_article_detail(client):
    art = client.get(f"/api/articles/{IDS[0]}").json()
    assert art["id"] == IDS[0] and art["boilerplate"]
    assert client.get("/api/articles/nope").status_code == 404


@pytest.mark.parametrize("kind", ["stories", "claims", "entities", "reuse", "citations",
                                  "anomalies", "events"])
def test_analysis_lists(client, kind):
    page = client.get(f"/api/{kind}").json()
    assert page["total"] >= 1 and page["items"]
    if kind != "events":
        item = page["items"][0]
        assert client.get(f"/api/{kind}/{item['id']}").json() == item
        assert client.get(f"/api/{kind}/missing-id").status_code == 404


def test_filters_on_analyses(client):
    # seeds: the CNN blog and its content-farm copy (Gatto Presss) carry claims
    cnn, farm = claims_from("CNN"), claims_from("Gatto Presss")
    assert cnn and farm
    assert client.get("/api/claims", params={"outlet": "CNN"}).json()["total"] == cnn
    assert client.get("/api/claims", params={"outlet": "Gatto Presss"}).json()["total"] == farm
    in_story = client.get("/api/claims", params={"story": STORY["id"]}).json()["total"]
    assert in_story == len([c for c in REPORT["claims"]
                            if set(c["article_ids"]) & set(STORY["article_ids"])])
    # the misdated CBS/AP text's event is dated from its content (March 2022): before February
    events = client.get("/api/events", params={"since": "2023-02-01"}).json()
    assert [e["date"] for e in events["items"]] == ["2023-02-24"]
    assert client.get("/api/stories", params={"until": "2022-01-01"}).json()["total"] == 0
    assert client.get("/api/claims", params={"story": "nope"}).status_code == 404


def test_a_story_filter_is_a_404_only_for_a_story_not_stored(client, seeded_db):
    """A listing of a story asks whether the story is stored only when it found nothing:
    a stored story without items of a kind (or past its end) is an empty 200, a story
    that is not stored a 404, on every listing."""
    from newstrace.store import Store

    with Store.open(seeded_db) as other:  # a story whose one article nothing else names
        other.replace_scopes([], [("late", [], {"stories": [
            {"id": "story-bare", "title": "bare", "article_ids": ["not-stored"],
             "events": []}]})])
    for kind in ("claims", "reuse", "entities", "citations", "anomalies", "events"):
        bare = client.get(f"/api/{kind}", params={"story": "story-bare"})
        assert bare.status_code == 200 and bare.json()["total"] == 0, kind
        assert client.get(f"/api/{kind}", params={"story": "nope"}).status_code == 404, kind
        assert client.get(f"/api/{kind}", params={"story": "nope", "outlet": "CNN",
                                                  "offset": 3}).status_code == 404, kind
    past = client.get("/api/claims", params={"story": STORY["id"], "offset": 10_000})
    assert past.status_code == 200 and past.json()["items"] == []
    assert past.json()["total"] > 0
    bare = client.get("/api/stories", params={"story": "story-bare"})  # no stored article
    assert bare.status_code == 200 and bare.json()["total"] == 0
    assert client.get("/api/stories", params={"story": "nope"}).status_code == 404


def test_graph_and_report(client):
    graph = client.get("/api/graph").json()
    kinds = {n["kind"] for n in graph["nodes"]}
    assert {"outlet", "article"} <= kinds
    edges = {(e["source"], e["target"], e["kind"]) for e in graph["edges"]}
    copy = REPORT["reuse"][0]
    assert (copy["original"], copy["copy"], "copy") in edges
    assert {"cites", "published"} <= {kind for _, _, kind in edges}
    report = client.get("/api/report").json()
    assert len(report["articles"]) == 4 and report["claims"]


@pytest.mark.parametrize("url", [
    "/api/articles?limit=0", "/api/articles?limit=100000", "/api/articles?offset=-1",
    "/api/articles?since=yesterday", "/api/stories?until=2023-13-45", "/api/claims?limit=abc",
])
def test_bad_requests_are_clear_4xx(client, url):
    r = client.get(url)
    assert 400 <= r.status_code < 500
    assert isinstance(r.json()["detail"], str) and r.json()["detail"]


def test_upload_with_malformed_file(client):
    files = [("files", ("good.txt", b"Good title\n\nSome body about drones.", "text/plain")),
             ("files", ("empty.txt", b"", "text/plain"))]
    r = client.post("/api/ingest/files", files=files, headers=csrf_headers(client))
    assert r.status_code == 202
    job = wait(client, r.json()["id"])
    assert job["state"] == "done"
    assert len(job["errors"]) == 1 and "empty" in job["errors"][0]["reason"]
    assert job["result"]["added"] == 1
    assert client.get("/api/articles", params={"q": "good title"}).json()["total"] == 1


def test_upload_errors(client):
    assert client.post("/api/ingest/files").status_code == 415  # not multipart
    headers = csrf_headers(client)
    r = client.post("/api/ingest/files", files=[("other", ("a.txt", b"x", "text/plain"))],
                    headers=headers)
    assert r.status_code == 400 and "no files" in r.json()["detail"]
    big = [("files", ("big.txt", b"x" * 30_000, "text/plain"))]
    r = client.post("/api/ingest/files", files=big, headers=headers)
    assert r.status_code == 413 and "too large" in r.json()["detail"]


def test_ingest_urls(client):
    assert client.post("/api/ingest/urls", json={"urls": []}).status_code == 422
    assert client.post("/api/ingest/urls", json={"urls": ["ftp://x"]}).status_code == 422
    assert client.post("/api/ingest/urls", json={"nope": 1}).status_code == 422
    r = client.post("/api/ingest/urls", json={"urls": ["http://127.0.0.1:9/none"]})
    assert r.status_code == 202
    job = wait(client, r.json()["id"])
    assert job["state"] in ("done", "failed")


def test_urls_with_odd_characters_are_reported_one_by_one(client):
    # accepted by the schema (only ASCII whitespace is refused in a host), then each one
    # fails alone with a clear reason; nothing stops the job
    odd = ["https://\u0085\u0081x", "http://\u0000", "http://\u00a0host"]
    r = client.post("/api/ingest/urls", json={"urls": odd})
    assert r.status_code == 202
    job = wait(client, r.json()["id"])
    assert job["state"] == "done"
    assert [e["source"] for e in job["errors"]] == odd
    assert all(e["reason"].startswith("invalid URL") for e in job["errors"])
    assert client.post("/api/ingest/urls", json={"urls": ["http:// host"]}).status_code == 422


def test_analyze_job(client):
    r = client.post("/api/analyze")
    assert r.status_code == 202
    job = wait(client, r.json()["id"], timeout=30)
    assert job["state"] == "done" and set(job["result"]["analyses"]) >= {"reuse", "claims"}
    assert client.get("/api/jobs").json()["total"] >= 1
    assert client.get("/api/jobs/nope").status_code == 404


def test_token_required_for_writes(token_client):
    assert token_client.post("/api/analyze").status_code == 401
    bad = {"Authorization": "Bearer wrong"}
    assert token_client.post("/api/analyze", headers=bad).status_code == 401
    ok = token_client.post("/api/analyze", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 202
    assert token_client.get("/api/articles").status_code == 200  # reads stay open


def test_serve_refuses_public_bind_without_token():
    from newstrace.server import serve
    msgs: list[str] = []
    assert serve(None, host="0.0.0.0", echo=msgs.append) == 2 and "token" in msgs[0]


def test_workers_read_their_settings_from_the_environment(seeded_db, monkeypatch):
    """``newstrace serve --workers N`` hands the store, token and host names to each
    worker's app through the environment (app_from_env)."""
    from fastapi.testclient import TestClient

    from newstrace.server import app_from_env

    monkeypatch.setenv("NEWSTRACE_DB", seeded_db)
    monkeypatch.setenv("NEWSTRACE_TOKEN", TOKEN)
    monkeypatch.setenv("NEWSTRACE_ALLOWED_HOSTS", "127.0.0.1,news.example")
    app = app_from_env()
    with TestClient(app, base_url="http://news.example") as c:
        assert c.get("/api/health").json()["articles"] == len(IDS)
        assert c.post("/api/analyze").status_code == 401
        app.state.jobs.shutdown(wait=True)
    with TestClient(app, base_url="http://elsewhere.example") as c:
        assert c.get("/api/health").status_code == 400


def test_a_job_is_polled_on_any_worker(seeded_db):
    """`serve --workers N`: N apps over one store; a job started on one is seen, with
    its progress and end, on the others (the store keeps it)."""
    from fastapi.testclient import TestClient

    from newstrace.server import create_app

    one, other = create_app(seeded_db), create_app(seeded_db)
    with (TestClient(one, base_url="http://127.0.0.1") as a,
          TestClient(other, base_url="http://127.0.0.1") as b):
        job_id = a.post("/api/ingest/urls", json={"urls": ["http://\u0000"]}).json()["id"]
        assert b.get(f"/api/jobs/{job_id}").status_code == 200
        job = wait(b, job_id)
        assert job["state"] == "done" and job["errors"][0]["source"] == "http://\u0000"
        assert job_id in [j["id"] for j in b.get("/api/jobs").json()["items"]]
        assert b.get("/api/jobs/nope").status_code == 404
        one.state.jobs.shutdown(wait=True)
