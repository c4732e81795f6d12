"""Edge security of the API and web UI: CSRF, Host, Origin, token rule, streaming caps,
security headers."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newstrace.server import create_app, is_loopback, serve
from tests.api.conftest import TOKEN, csrf_headers

EVIL = "http://evil.example"
ONE_FILE = [("files", ("a.txt", b"Edge title\n\nA body about drones and ports.", "text/plain"))]


def _jobs(c: TestClient) -> int:
    return c.get("/api/jobs").json()["total"]


def _wait(c: TestClient, job_id: str) -> dict:
    for _ in range(400):
        job = c.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_cross_origin_form_posts_refused_nothing_stored(client):
    before = client.get("/api/articles").json()["total"]
    token = csrf_headers(client)  # even with a valid token: the Origin is foreign
    for headers in ({"Origin": EVIL}, {"Origin": EVIL, **token}, {"Origin": "null"},
                    {"Referer": EVIL + "/page"}):
        r = client.post("/api/ingest/files", files=ONE_FILE, headers=headers)
        assert r.status_code == 403, headers
        r = client.post("/api/analyze", data={"x": "1"}, headers=headers)
        assert r.status_code == 403
        r = client.post("/upload", files=ONE_FILE, headers=headers)
        assert r.status_code == 403
        r = client.post("/analyze", data={"x": "1"}, headers=headers)
        assert r.status_code == 403
    assert client.get("/api/articles").json()["total"] == before
    assert _jobs(client) == 0


def test_multipart_without_csrf_token_refused(client):
    before = client.get("/api/articles").json()["total"]
    own = {"Origin": "http://127.0.0.1"}
    assert client.post("/api/ingest/files", files=ONE_FILE, headers=own).status_code == 403
    client.cookies.clear()
    bad = {"X-CSRF-Token": "0" * 64}
    assert client.post("/api/ingest/files", files=ONE_FILE, headers=bad).status_code == 403
    assert client.post("/upload", files=ONE_FILE).status_code == 403
    assert client.get("/api/articles").json()["total"] == before
    assert _jobs(client) == 0


def test_json_endpoints_need_json_content_type(client):
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        r = client.post("/api/analyze", content=b"{}", headers={"Content-Type": ctype})
        assert r.status_code == 415, ctype
        r = client.post("/api/ingest/urls", content=b'{"urls": ["http://127.0.0.1:9/"]}',
                        headers={"Content-Type": ctype})
        assert r.status_code == 415
    assert _jobs(client) == 0
    assert client.post("/api/analyze", json={}).status_code == 202  # JSON: fine


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example",
                                  "a b", ""])
def test_wrong_host_header_400(client, host):
    assert client.get("/api/health", headers={"Host": host}).status_code == 400
    assert client.get("/", headers={"Host": host}).status_code == 400


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8000", "[::1]:8000",
                                  "192.168.1.20"])
def test_allowed_host_headers(client, host):
    assert client.get("/api/health", headers={"Host": host}).status_code == 200


def test_configured_host_name_allowed(seeded_db):
    app = create_app(seeded_db, allowed_hosts=["news.lan"], web=False)
    with TestClient(app, base_url="http://news.lan") as c:
        assert c.get("/api/health").status_code == 200
        assert c.get("/api/health", headers={"Host": "other.lan"}).status_code == 400


def test_same_origin_ui_upload_with_csrf_token_works(client):
    page = client.get("/upload")
    assert page.status_code == 200
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    action = re.search(r'action="(/upload\?csrf_token=[0-9a-f]+)"', page.text).group(1)
    assert re.search(r'<button type="submit">Ingest</button>', page.text)
    r = client.post(action, files=ONE_FILE, headers={"Origin": "http://127.0.0.1"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    job = _wait(client, r.headers["location"].rsplit("/", 1)[1])
    assert job["state"] == "done" and job["result"]["added"] == 1
    # the analyse button of the same page starts a job
    analyze = re.search(r'action="(/analyze\?csrf_token=[0-9a-f]+)"', page.text).group(1)
    r = client.post(analyze, files={"go": (None, "1")}, follow_redirects=False)
    assert r.status_code == 303 and client.get(r.headers["location"]).status_code == 200


def test_token_server_bearer_exempt_from_csrf_and_ui_sign_in(token_client):
    c = token_client
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert c.post("/api/ingest/files", files=ONE_FILE).status_code == 401
    assert c.post("/api/ingest/files", files=ONE_FILE, headers=csrf_headers(c)).status_code == 401
    assert c.post("/api/ingest/files", files=ONE_FILE, headers=auth).status_code == 202
    assert c.post("/api/ingest/files", files=ONE_FILE,
                  headers={**auth, "Origin": EVIL}).status_code == 403
    # the UI: sign in with the token first (CSRF-protected), then upload
    page = c.get("/upload").text
    assert 'id="sign-in"' in page and 'type="file"' not in page
    sign_in = re.search(r'action="(/sign-in\?csrf_token=[0-9a-f]+)"', page).group(1)
    assert c.post("/sign-in", data={"token": TOKEN}).status_code == 403  # no CSRF token
    assert c.post(sign_in, data={"token": "wrong"}).status_code == 401
    assert c.post("/upload", files=ONE_FILE).status_code == 401
    r = c.post(sign_in, data={"token": TOKEN}, follow_redirects=False)
    assert r.status_code == 303
    page = c.get("/upload").text
    action = re.search(r'action="(/upload\?csrf_token=[0-9a-f]+)"', page).group(1)
    r = c.post(action, files=ONE_FILE, follow_redirects=False)
    assert r.status_code == 303
    assert c.post("/upload", files=ONE_FILE).status_code == 403  # signed in, no CSRF token


@pytest.mark.parametrize("host", ["127.0.0.2", "0.0.0.0", "::", "127.1.2.3", "localhost",
                                  "192.168.1.20"])
def test_token_required_off_exact_loopback(host):
    msgs: list[str] = []
    assert not is_loopback(host)
    assert serve(None, host=host, echo=msgs.append) == 2 and "token" in msgs[0]


def test_exact_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("[::1]")


def test_security_headers_on_html_and_api(client):
    for path in ("/", "/upload", "/api/health", "/api/articles", "/static/app.js",
                 "/api/nope"):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "same-origin"
    refused = client.get("/", headers={"Host": "evil.example"}).headers
    assert refused["x-frame-options"] == "DENY"


# -- streaming caps against a real server -------------------------------------------------

class _Counting:
    """Bytes the server's form parser spooled (memory or disk) and the most the temp
    dir held at once."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tmp: Path) -> None:
        import starlette.formparsers as fp

        self.spooled = 0
        self.peak = 0
        self.tmp = tmp
        counter = self

        class Spool(tempfile.SpooledTemporaryFile):  # type: ignore[type-arg]
            def write(self, s):  # type: ignore[override]
                counter.spooled += len(s)
                return super().write(s)

        monkeypatch.setattr(fp, "SpooledTemporaryFile", Spool)
        monkeypatch.setattr(tempfile, "tempdir", str(tmp))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            size = 0
            for root, _dirs, files in os.walk(self.tmp):
                for f in files:
                    with contextlib.suppress(OSError):
                        size += os.path.getsize(os.path.join(root, f))
            self.peak = max(self.peak, size)
            time.sleep(0.002)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


@pytest.fixture
def live_server(tmp_path, seeded_db):
    import uvicorn

    servers = []

    def start(**kwargs) -> tuple[int, object]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        app = create_app(seeded_db, web=True, **kwargs)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.02)
        servers.append((server, thread, app))
        return port, app

    yield start
    for server, thread, app in servers:
        server.should_exit = True
        thread.join(5)
        app.state.jobs.shutdown(wait=True)


def _chunked_upload(port: int, path: str, total: int, headers: dict[str, str]) -> tuple[int, int]:
    """POST a multipart body of ``total`` bytes, chunked, no Content-Length; the status
    and how many body bytes went out before the server answered or closed."""
    boundary = "edgeboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"big.txt\"\r\nContent-Type: text/plain\r\n\r\n").encode()
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}",
             f"Content-Type: multipart/form-data; boundary={boundary}",
             "Transfer-Encoding: chunked", *(f"{k}: {v}" for k, v in headers.items())]
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        chunk = b"x" * 65536
        try:
            sock.sendall(b"%x\r\n%s\r\n" % (len(head), head))
            while sent < total:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            sock.sendall(b"0\r\n\r\n")
        except OSError:  # the server closed its side: fine, it answered first
            pass
        data = b""
        try:
            while b"\r\n" not in data:
                more = sock.recv(4096)
                if not more:
                    break
                data += more
        except OSError:
            pass
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1") else 0
    return status, sent


def test_oversize_chunked_upload_413_while_streaming(live_server, tmp_path, monkeypatch):
    cap = 3 * 1024 * 1024  # over starlette's 1 MB spool: the parser writes to disk
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    counting = _Counting(monkeypatch, tmp)
    port, app = live_server(max_upload_bytes=cap)
    csrf = app.state.csrf
    nonce = "n" * 43
    headers = {"Cookie": f"{csrf.COOKIE}={nonce}", "X-CSRF-Token": csrf.token(nonce)}
    try:
        status, _sent = _chunked_upload(port, "/api/ingest/files", 40 * 1024 * 1024, headers)
    finally:
        counting.stop()
    assert status == 413
    assert 1024 * 1024 < counting.spooled <= cap  # it spooled to disk, up to the cap
    assert counting.peak <= cap
    assert list(tmp.iterdir()) == []  # nothing left behind
    assert app.state.jobs.all() == []


def test_unauthenticated_upload_to_token_server_401_nothing_written(live_server, tmp_path,
                                                                    monkeypatch):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    counting = _Counting(monkeypatch, tmp)
    port, app = live_server(token=TOKEN)
    try:
        status, _ = _chunked_upload(port, "/api/ingest/files", 20 * 1024 * 1024, {})
        status_ui, _ = _chunked_upload(port, "/upload", 20 * 1024 * 1024, {})
    finally:
        counting.stop()
    assert status == 401 and status_ui == 401
    assert counting.spooled == 0 and counting.peak == 0
    assert app.state.jobs.all() == []


def test_article_sources_do_not_show_server_paths(tmp_path) -> None:
    from newstrace.records import Article
    from newstrace.store import Store

    path = str(tmp_path / "paths.db")
    with Store.open(path) as store:
        store.add_articles([
            (Article(id="a" * 16, source="/srv/secret/uploads/tmp1/cnn.txt#L2",
                     text="The minister said the talks would go on."), "x"),
            (Article(id="b" * 16, source="https://example.com/story",
                     text="The council approved the bridge on Tuesday."), "y")])
    app = create_app(path)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        sources = {a["id"]: a["source"] for a in client.get("/api/articles").json()["items"]}
        one = client.get(f"/api/articles/{'a' * 16}").json()["source"]
        app.state.jobs.shutdown(wait=True)
    assert sources == {"a" * 16: "cnn.txt#L2", "b" * 16: "https://example.com/story"}
    assert one == "cnn.txt#L2"


def test_two_workers_over_one_store_accept_each_other_s_csrf_tokens(tmp_path) -> None:
    # uvicorn --workers 2: a form served by one worker is posted to the other
    from fastapi.testclient import TestClient

    from newstrace.server import create_app

    db = str(tmp_path / "w.db")
    first, second = create_app(db), create_app(db)
    with TestClient(first, base_url="http://127.0.0.1") as one, \
            TestClient(second, base_url="http://127.0.0.1") as two:
        issued = one.get("/api/csrf")
        token = issued.json()["csrf_token"]
        two.cookies.update(issued.cookies)
        files = {"files": ("a.txt", b"Short text that is long enough to keep as news here.")}
        r = two.post("/api/ingest/files", files=files, headers={"X-CSRF-Token": token})
        assert r.status_code == 202, r.text
        r = two.post("/api/ingest/files", files=files, headers={"X-CSRF-Token": "0" * 64})
        assert r.status_code == 403
        first.state.jobs.shutdown(wait=True)
        second.state.jobs.shutdown(wait=True)
