from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from newstrace.server import create_app
from newstrace.store import Store
from tests.fixtures.load import load_into

TOKEN = "s3cret-token"


@pytest.fixture
def seeded_db(tmp_path):
    path = str(tmp_path / "api.db")
    store = Store.open(path)
    load_into(store)
    store.close()
    return path


@pytest.fixture
def client(seeded_db):
    app = create_app(seeded_db, max_upload_bytes=20_000)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c
        app.state.jobs.shutdown(wait=True)  # no job outlives its test


@pytest.fixture
def token_client(seeded_db):
    app = create_app(seeded_db, token=TOKEN)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c
        app.state.jobs.shutdown(wait=True)


def csrf_headers(client) -> dict[str, str]:
    """The CSRF header a cookie-keeping client needs for multipart writes."""
    return {"X-CSRF-Token": client.get("/api/csrf").json()["csrf_token"]}
