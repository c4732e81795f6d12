"""Load test of the web UI and HTTP API: stored articles and their results, 50
concurrent readers over loopback, and an ingest writing beside them.

    PYTHONPATH=src python benchmarks/web_load.py [--articles 100000] [--clients 50]
        [--seconds 20] [--workers 1] [--db PATH] [--mix full|api] [--ingest-beside 500]

Synthetic data (seeded RNG, so runs compare): articles of 150-400 words drawn
from a 2,000-word vocabulary, 40 outlets, dates over 2023; per 10,000 articles,
500 stories of 20 articles with 3 events each, 2,000 claims over 1-6 articles of
a story with stances and 1,000 reuse pairs (the results grow with the corpus).
The server is ``newstrace serve --workers N`` (uvicorn; one process by default) in a
subprocess; the clients are httpx.AsyncClient tasks in this process. The ``full`` mix:
HTML pages (the stories page, one story, article search) a quarter of the requests,
the API's article search 15 %, the rest story and claim lists (with filters and
paging) and single stories/claims; ``api`` leaves out pages and search. During the
timed run ``newstrace ingest`` adds ``--ingest-beside`` real texts (PolNeAR train) to
the same store. The clients share the
machine with the server: on a small machine their own CPU is part of the latency.

Each run first measures the floor, the same clients on ``/api/health`` (the cheapest
request), so that a figure can be read against what the machine does at all that day.
``--db``: the store at PATH, built there only if it is missing (to compare settings on
the same data without building it again).
Prints p50/p95/p99 and writes ``docs/benchmarks/web.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from newstrace.corpus_view import STATUS_STATE  # noqa: E402
from newstrace.records import Article  # noqa: E402
from newstrace.store import Store  # noqa: E402


def build_store(path: str, n: int, seed: int = 7) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(2000)] + ["drones", "China", "Russia", "sanctions"]
    outlets = [f"Outlet {i}" for i in range(40)]
    start = date(2023, 1, 1)
    store = Store.open(path)
    ids: list[str] = []
    batch = []
    for i in range(n):
        words = rng.choices(vocab, k=rng.randint(150, 400))
        day = (start + timedelta(days=rng.randint(0, 364))).isoformat()
        art = Article(id=f"a{i:06d}", source=f"synthetic/{i}.txt", text=" ".join(words),
                      outlet=rng.choice(outlets), title=" ".join(words[:8]), published=day,
                      language="en")
        batch.append((art, art.id))
        ids.append(art.id)
        if len(batch) == 1000:
            store.add_articles(batch)
            batch = []
    if batch:
        store.add_articles(batch)
    meta = {a: None for a in ids}
    stories, claims = [], []
    n_stories, n_claims, n_reuse = max(1, n // 20), max(1, n // 5), max(1, n // 10)
    for s in range(n_stories):
        members = rng.sample(ids, 20)
        events = [{"id": f"s{s}-e{e}", "title": f"event {e}", "summary": "",
                   "date": "2023-06-01", "article_ids": members[e * 6:(e + 1) * 6],
                   "timeline": []} for e in range(3)]
        stories.append({"id": f"story-{s:04d}", "title": f"Story {s}", "summary": "synthetic",
                        "article_ids": members, "events": events})
    for c in range(n_claims):
        st = stories[rng.randrange(n_stories)]
        arts = rng.sample(st["article_ids"], rng.randint(1, 6))
        claims.append({"id": f"claim-{c:05d}", "text": f"claim number {c} about drones",
                       "article_ids": arts, "attributions": [],
                       "stances": [{"article_id": a, "stance": rng.choice(
                           ["asserting", "reporting", "denying", "hedging"]), "evidence": ""}
                           for a in arts],
                       "origins": [{"article_id": arts[0]}], "first_reporter": arts[0],
                       "chains": [], "independent_sources": rng.randint(1, 4)})
    reuse = [{"id": f"reuse-{r}", "original": rng.choice(ids), "copy": rng.choice(ids),
              "kind": "rewrite", "score": 0.8, "direction_evidence": [], "coverage": 0.5,
              "aligned": [], "changes": []} for r in range(n_reuse)]
    store.save_items("stories", stories)
    store.save_items("claims", claims)
    store.save_items("reuse", reuse)
    store.save_state(STATUS_STATE, {"status": {"reuse": "done", "stories": "done",
                                               "claims": "done", "provenance": "done"}})
    store.close()
    del meta
    return ids, [s["id"] for s in stories], [c["id"] for c in claims]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


MIXES = {"full": "HTML pages 25 % (stories page, one story, article search), API article "
                 "search 15 %, API lists and items 60 %",
         "api": "API lists and items only"}
#: full-text queries of the mix: a word every article may hold, rarer ones, a prefix
SEARCH_WORDS = ("drones", "w17", "w1234 w99", "sanctions", "w5", "Russia")


async def client(base: str, stories: list[str], claims: list[str], until: float,
                 lat: dict[str, list[float]], errors: list[str], seed: int,
                 floor: bool = False, mix: str = "full") -> None:
    rng = random.Random(seed)
    outlets = [f"Outlet {i}" for i in range(40)]
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        while time.monotonic() < until:
            kind = rng.random()
            if floor:  # the baseline: the server's cheapest request, same clients
                name, url = "floor: /api/health", "/api/health"
            elif mix == "full" and kind < 0.25:  # what a person in the web UI asks
                page = rng.random()
                if page < 0.3:
                    name, url = "html: stories page", f"/?offset={rng.randrange(480)}"
                elif page < 0.6:
                    name, url = "html: one story", f"/stories/{rng.choice(stories)}"
                else:
                    name, url = ("html: article search",
                                 f"/articles?q={rng.choice(SEARCH_WORDS)}")
            elif mix == "full" and kind < 0.4:
                name, url = ("api: article search",
                             f"/api/articles?q={rng.choice(SEARCH_WORDS)}&limit=20")
            elif kind < 0.3:
                name, url = ("stories list",
                             f"/api/stories?limit=20&offset={rng.randrange(len(stories) - 19)}")
            elif kind < 0.55:
                name, url = ("claims list",
                             f"/api/claims?limit=50&offset={rng.randrange(len(claims) - 49)}")
            elif kind < 0.7:
                name, url = "claims by story", f"/api/claims?story={rng.choice(stories)}"
            elif kind < 0.8:
                name, url = ("claims by outlet+date",
                             f"/api/claims?outlet={rng.choice(outlets)}&since=2023-03-01"
                             "&until=2023-06-30&limit=20")
            elif kind < 0.9:
                name, url = "one story", f"/api/stories/{rng.choice(stories)}"
            else:
                name, url = "one claim", f"/api/claims/{rng.choice(claims)}"
            t0 = time.perf_counter()
            try:
                r = await http.get(url)
                ok = r.status_code == 200
            except httpx.HTTPError as exc:
                ok = False
                errors.append(repr(exc))
            dt = (time.perf_counter() - t0) * 1000
            if not ok:
                errors.append(url)
            lat.setdefault(name, []).append(dt)
            lat.setdefault("all", []).append(dt)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def wait_ready(base: str, workers: int) -> None:
    """Until the server answers; with several workers, until each has had the time to
    start (they take the port one by one, and connections made before a worker listens
    all go to the others, for the whole run)."""
    for _ in range(300):
        try:
            if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    if workers > 1:
        time.sleep(2 + workers)
    for _ in range(2 * workers):  # first requests open each worker's store connections
        httpx.get(base + "/api/claims", timeout=30)


def start_ingest(db: str, n: int, env: dict[str, str]) -> subprocess.Popen[bytes] | None:
    """``newstrace ingest`` of ``n`` real news texts (PolNeAR train, under
    ``../shared/data``) into the served store, started as the timed run starts: the
    server answers while a writer adds articles."""
    if n <= 0:
        return None
    texts = sorted((ROOT.parent / "shared/data/polnear/train/text").glob("*.txt"))[:n]
    if not texts:
        raise SystemExit("--ingest-beside needs ../shared/data/polnear/train/text")
    folder = Path(tempfile.mkdtemp(prefix="newstrace-bench-ingest-"))
    for path in texts:
        (folder / path.name).write_bytes(path.read_bytes())
    return subprocess.Popen([sys.executable, "-m", "newstrace", "ingest", str(folder),
                             "--db", db, "--quiet"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def finish_ingest(ingest: subprocess.Popen[bytes] | None) -> str:
    """How the ingest beside the run went, for the report."""
    if ingest is None:
        return "no ingest beside"
    done = ingest.poll() is not None
    if not done:
        ingest.wait(600)
    return (f"an ingest of new texts ran beside it ({'finished within' if done else 'outlasted'}"
            f" the run, exit {ingest.returncode})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--workers", type=int, default=1,
                    help="server processes (newstrace serve --workers)")
    ap.add_argument("--db", help="keep the store here (built only if missing)")
    ap.add_argument("--mix", choices=("full", "api"), default="full",
                    help="full: HTML pages, search and API; api: the API lists only")
    ap.add_argument("--ingest-beside", type=int, default=500, metavar="N",
                    help="ingest N new text files into the store during the timed run "
                         "(0: none)")
    ap.add_argument("--out", default=str(ROOT / "docs/benchmarks/web.md"))
    args = ap.parse_args()
    db = args.db or os.path.join(tempfile.mkdtemp(prefix="newstrace-bench-"), "bench.db")
    t0 = time.perf_counter()
    if args.db and Path(db).exists():
        n = args.articles
        stories = [f"story-{s:04d}" for s in range(max(1, n // 20))]
        claims = [f"claim-{c:05d}" for c in range(max(1, n // 5))]
        built = "reused"
    else:
        _, stories, claims = build_store(db, args.articles)
        built = f"built in {time.perf_counter() - t0:.1f} s"
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen([sys.executable, "-m", "newstrace", "serve", "--db", db,
                               "--port", str(port), "--workers", str(args.workers)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    ingested = "no ingest beside"
    try:
        wait_ready(base, args.workers)
        lat: dict[str, list[float]] = {}
        floor: dict[str, list[float]] = {}
        errors: list[str] = []

        async def run(into: dict[str, list[float]], seconds: float, cheap: bool) -> None:
            until = time.monotonic() + seconds
            await asyncio.gather(*(client(base, stories, claims, until, into, errors, i,
                                          cheap, args.mix) for i in range(args.clients)))
        asyncio.run(run(floor, args.seconds / 3, True))
        ingest = start_ingest(db, args.ingest_beside, env)
        asyncio.run(run(lat, args.seconds, False))
        ingested = finish_ingest(ingest)
    finally:
        server.terminate()
        server.wait(10)
    total = len(lat.get("all", []))
    rows = []
    for name, values in sorted(lat.items(), key=lambda kv: kv[0] != "all"):
        rows.append(f"| {name} | {len(values)} | {statistics.median(values):.1f} | "
                    f"{pct(values, 95):.1f} | {pct(values, 99):.1f} |")
    p95 = pct(lat["all"], 95)
    floor_values = floor["all"]
    floor_p95 = pct(floor_values, 95)
    rows.append(f"| floor, same clients: /api/health (the cheapest request) | {len(floor_values)} "
                f"| {statistics.median(floor_values):.1f} | {floor_p95:.1f} | "
                f"{pct(floor_values, 99):.1f} |")
    text = "\n".join([
        "# Web API load benchmark",
        "",
        f"`PYTHONPATH=src python benchmarks/web_load.py --articles {args.articles} "
        f"--clients {args.clients} --seconds {args.seconds:g} --workers {args.workers} "
        f"--mix {args.mix} --ingest-beside {args.ingest_beside}`",
        "",
        f"- {args.articles} synthetic articles (seeded; 150-400 words, 40 outlets, 2023 dates), "
        f"{len(stories):,} stories x 20 articles x 3 events, {len(claims):,} claims, "
        f"{args.articles // 10:,} reuse pairs; SQLite store {built}",
        f"- server: `newstrace serve --workers {args.workers}` (uvicorn, "
        f"{args.workers} process{'es' if args.workers > 1 else ''}) on 127.0.0.1; clients: "
        f"{args.clients} httpx.AsyncClient tasks in one process for {args.seconds:g} s "
        "over loopback",
        f"- machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        f"- mix: {MIXES[args.mix]}; {ingested}",
        f"- {total} requests, {total / args.seconds:.0f} req/s, {len(errors)} errors",
        f"- **p95 {p95:.1f} ms** (target < 200 ms): {'met' if p95 < 200 else 'NOT met'}; "
        f"{p95 / floor_p95:.2f}x the p95 of the cheapest request under the same load "
        f"({floor_p95:.1f} ms, {len(floor_values) / (args.seconds / 3):.0f} req/s)",
        "",
        "| request | n | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ])
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
