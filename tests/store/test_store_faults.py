"""The store under faults: kill -9 while a store is created, concurrent ingests.

Each case runs real processes: a kill lands at a chosen point of a fresh SQLite
store's creation, and two ``newstrace ingest`` processes write one store at once
(SQLite and PostgreSQL). Afterwards the store must open, take more articles and
hold each article once, with unique ``seq`` values.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from newstrace.pipeline import ingest
from newstrace.store import Store
from newstrace.store.search import search_articles

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

# open a new store and ingest a folder, as `newstrace ingest` does
_INGEST = (
    "import sys\n"
    "from newstrace.pipeline import ingest\n"
    "from newstrace.store import Store\n"
    "with Store.open(sys.argv[1]) as store:\n"
    "    ingest([sys.argv[2]], store)\n"
)


def _write_texts(folder: Path, start: int, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(start, start + count):
        words = " ".join(f"w{n}x{k}" for k in range(40))
        (folder / f"{n:04d}.txt").write_text(
            f"Report number {n} on the harbour\n\n"
            f"Officials said on Monday that shipment {n} had arrived. {words}.\n\n"
            f"A second paragraph about item {n} follows with more detail. {words}.\n",
            encoding="utf-8")
    return folder


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from newstrace.store.store import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    (head,) = ScriptDirectory.from_config(cfg).get_heads()
    return head


def _check(store: Store, expected: int) -> None:
    """One row per article, seq values unique, schema at head, SQLite file sound."""
    assert store.count() == expected
    with store.engine.connect() as conn:
        seqs = conn.execute(text("SELECT seq FROM articles")).scalars().all()
        assert len(seqs) == len(set(seqs)) == expected
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert version == [_head_revision()]
        if store.dialect == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            fts = conn.execute(text("SELECT count(*) FROM articles_fts")).scalar_one()
            assert fts == expected


def _cli(db: str, folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "newstrace", "ingest", str(folder),
                             "--db", db], env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _kill_during_creation(db: Path, folder: Path, delay: float) -> str:
    """Start an ingest into a new store; kill -9 it ``delay`` s after the file appears."""
    proc = subprocess.Popen([sys.executable, "-c", _INGEST, str(db), str(folder)], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not db.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.0005)
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        outcome = "killed"
    else:
        outcome = "finished"
    _, err = proc.communicate(timeout=20)
    assert outcome == "killed" or proc.returncode == 0, err
    return outcome


def test_kill_while_creating_sqlite_store_leaves_it_usable(tmp_path: Path) -> None:
    folder = _write_texts(tmp_path / "in", 0, 2)
    delays = [i * 0.002 for i in range(30)]  # 0-58 ms after the file appears
    dbs = [tmp_path / f"store{i}.db" for i in range(len(delays))]
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(lambda a: _kill_during_creation(a[0], folder, a[1]),
                                 zip(dbs, delays, strict=True)))
    assert "killed" in outcomes
    for db in dbs:
        with Store.open(str(db)) as store:  # the next command works, whatever was left
            ingest([str(folder)], store)
            _check(store, 2)
            assert search_articles(store, query="harbour").total == 2
            again = ingest([str(folder)], store)
            assert again.added == 0
            _check(store, 2)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql",
                                                            marks=pytest.mark.postgres)])
def test_two_ingests_of_one_folder_into_a_new_store(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    db = str(tmp_path / "store.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    folder = _write_texts(tmp_path / "in", 0, 80)
    procs = [_cli(db, folder), _cli(db, folder)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    with Store.open(db) as store:
        _check(store, 80)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql",
                                                            marks=pytest.mark.postgres)])
def test_disjoint_halves_ingested_at_once_get_unique_seq(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    db = str(tmp_path / "store.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    first = _write_texts(tmp_path / "a", 0, 200)
    second = _write_texts(tmp_path / "b", 200, 200)
    procs = [_cli(db, first), _cli(db, second)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    with Store.open(db) as store:
        _check(store, 400)
        listed = store.list_articles()
        assert len({a.id for a in listed}) == 400


def test_db_in_a_missing_folder_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "deeper"
    folder = _write_texts(tmp_path / "in", 0, 1)
    proc = _cli(str(missing / "x.db"), folder)
    out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 1, out
    assert f"folder {missing} does not exist" in " ".join(out.split())
    assert not (tmp_path / "nope").exists()


def _analyze_cli(db: str, folder: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "newstrace", "analyze", str(folder), "--db",
                             db, "--out", str(folder) + "-out", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql",
                                                            marks=pytest.mark.postgres)])
def test_two_analyses_at_once_both_succeed_and_lose_nothing(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # the seeds in two halves, analysed at the same time into one new store: one waits
    # for the other, and the store ends with every article linked and analysed
    from tests.conftest import SEED_000, SEED_001, SEED_002, SEED_004, SEEDS

    db = str(tmp_path / "store.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    halves = []
    for name, files in (("a", (SEED_000, SEED_002)), ("b", (SEED_001, SEED_004))):
        folder = tmp_path / name
        folder.mkdir()
        for file in files:
            (folder / file).write_bytes((SEEDS / file).read_bytes())
        halves.append(folder)
    procs = [_analyze_cli(db, folder) for folder in halves]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    with Store.open(db) as store:
        ids = [a.id for a in store.list_articles()]
        assert len(ids) == 4
        assert set(store.scopes_of(ids)) == set(ids)  # every article analysed
        assert len(store.items("reuse")) == 1  # 000 -> 001, whichever half came first
        assert (store.load_state("reuse") or {}).get("indexed") == 4
        assert len(store.products.load("reuse.entry/1", ids)) == 4
