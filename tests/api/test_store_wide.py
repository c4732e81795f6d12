"""The API and the web UI show the store's answer, not the last run's."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from newstrace.corpus import Corpus
from newstrace.server import create_app
from tests.conftest import SEED_000, SEED_001, SEED_002, SEED_004, SEEDS


def _two_runs(tmp_path: Path) -> tuple[str, dict[str, int]]:
    db = str(tmp_path / "two.db")
    with Corpus.open(db) as corpus:
        for n, names in enumerate([(SEED_000, SEED_002), (SEED_001, SEED_004)]):
            folder = tmp_path / f"run{n}"
            folder.mkdir()
            for name in names:
                (folder / name).write_bytes((SEEDS / name).read_bytes())
            corpus.add([str(folder)])
        expected = {key: len(corpus.store.items(key)) for key in ("claims", "stories",
                                                                  "reuse", "entities")}
    assert expected["reuse"] == 1 and expected["stories"] == 2 and expected["claims"] > 30
    return db, expected


def test_the_api_and_ui_list_every_run_s_results(tmp_path: Path) -> None:
    db, expected = _two_runs(tmp_path)
    app = create_app(db)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for key in ("claims", "stories", "reuse", "entities"):
            page = client.get(f"/api/{key}", params={"limit": 1}).json()
            assert page["total"] == expected[key], key
        stories = client.get("/api/stories").json()["items"]
        drone = max(stories, key=lambda s: len(s["article_ids"]))
        assert len(drone["article_ids"]) == 3  # 000 from the first run, 001 and 004 after
        html = client.get(f"/stories/{drone['id']}").text
        assert html.count('href="/articles/') >= 3
        app.state.jobs.shutdown(wait=True)
