"""Load test of the web UI and HTTP API: stored articles and their results, 50
concurrent readers over loopback, and an ingest writing beside them.

    PYTHONPATH=src python benchmarks/web_load.py [--articles 100000] [--clients 50]
        [--seconds 20] [--workers 1] [--db PATH] [--mix full|api] [--ingest-beside 500]
        [--client lean|httpx] [--misses N]

Synthetic data (seeded RNG, so runs compare): articles of 150-400 words drawn
from a 2,000-word vocabulary, 40 outlets, dates over 2023; per 10,000 articles,
500 stories of 20 articles with 3 events each, 2,000 claims over 1-6 articles of
a story with stances and 1,000 reuse pairs (the results grow with the corpus).
The server is ``newstrace serve --workers N`` (uvicorn; one process by default) in a
subprocess; the clients are asyncio tasks in this process, each a keep-alive connection
(:class:`LeanClient`; ``--client httpx``: httpx.AsyncClient, which spends several times
the CPU per request on the machine the server shares). The ``full`` mix:
HTML pages (the stories page, one story, article search) a quarter of the requests,
the API's article search 15 %, the rest story and claim lists (with filters and
paging) and single stories/claims; ``api`` leaves out pages and search. During the
timed run ``newstrace ingest`` adds ``--ingest-beside`` real texts (PolNeAR train) to
the same store, new articles on every run. The clients share the machine with the
server: on a small machine their own CPU is part of the latency, so the report tells
where the CPU went during the timed run (server, clients, ingest, and whatever else
ran on the machine: another job's share is not the server's).

Each run first measures the floor, the same clients on ``/api/health`` (the cheapest
request), so that a figure can be read against what the machine does at all that day.
``--db``: the store at PATH, built there only if it is missing (to compare settings on
the same data without building it again).
Prints p50/p95/p99 and the share answered from the server's response cache (its
``X-Newstrace-Cache`` header) by request, and writes ``docs/benchmarks/web.md``.

``--misses N`` runs no server: N requests of each kind of the mix are answered in this
process by the app with no response cache, one at a time, so that what each costs the
server when it misses can be compared between versions without the noise of a load
test (printed, not written).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

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


#: the requests of each mix (the names request_for gives)
MIX_REQUESTS = {"full": ("html: stories page", "html: one story", "html: article search",
                       "api: article search", "claims list", "claims by story",
                       "claims by outlet+date", "one story", "one claim"),
              "api": ("stories list", "claims list", "claims by story",
                      "claims by outlet+date", "one story", "one claim")}
MIXES = {"full": "HTML pages 25 % (stories page, one story, article search), API article "
                 "search 15 %, API lists and items 60 %",
         "api": "API lists and items only"}
#: full-text queries of the mix: a word every article may hold, rarer ones, a prefix
SEARCH_WORDS = ("drones", "w17", "w1234 w99", "sanctions", "w5", "Russia")


class LeanClient:
    """A GET-only HTTP/1.1 client on one keep-alive asyncio connection, which keeps the
    cookies the server sets (the CSRF nonce of the pages), as a browser would.

    The clients share the server's machine, so what they spend per request is taken
    from the server: httpx.AsyncClient spends several times what this does (URL and
    header models, cookie jar, transport layers), which on a small machine counts in
    the latency measured. Only bodies of a known length or chunked are read: what the
    server sends.
    """

    def __init__(self, base: str, timeout: float = 10) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        #: the X-Newstrace-Cache header of the last response ("" without one)
        self.cache = ""

    async def __aenter__(self) -> LeanClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def get(self, url: str) -> int:
        """GET ``url`` (a path and query), its body read whole; the status."""
        lines = [f"GET {quote(url, safe='/?=&%')} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        head = "\r\n".join([*lines, "", ""])
        for attempt in range(2):  # once more on a connection the server had closed
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host,
                                                                         self.port)
            try:
                self.writer.write(head.encode())
                return await asyncio.wait_for(self._response(), self.timeout)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
            except BaseException:
                self.close()
                raise
        raise AssertionError("unreachable")

    async def _response(self) -> int:
        assert self.reader is not None
        status = int((await self.reader.readuntil(b"\r\n")).split()[1])
        length, chunked, close = 0, False, False
        self.cache = ""
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value.lower()
            elif name == "connection":
                close = value.lower() == "close"
            elif name == "x-newstrace-cache":
                self.cache = value
            elif name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if chunked:
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        elif length and status not in (204, 304):
            await self.reader.readexactly(length)
        if close:
            self.close()
        return status


class HttpxClient:
    """httpx.AsyncClient behind :class:`LeanClient`'s one method (``--client httpx``)."""

    def __init__(self, base: str, timeout: float = 10) -> None:
        self.http = httpx.AsyncClient(base_url=base, timeout=timeout)
        self.cache = ""

    async def __aenter__(self) -> HttpxClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def get(self, url: str) -> int:
        response = await self.http.get(url)
        self.cache = response.headers.get("x-newstrace-cache", "")
        return response.status_code


CLIENTS = {"lean": LeanClient, "httpx": HttpxClient}
CLIENT_NAMES = {"lean": "LeanClient (keep-alive HTTP/1.1 on asyncio streams)",
                "httpx": "httpx.AsyncClient"}
ERRORS = (httpx.HTTPError, OSError, asyncio.IncompleteReadError, asyncio.TimeoutError,
          ValueError, IndexError)


def request_for(kind: float, rng: random.Random, mix: str, stories: list[str],
                claims: list[str], outlets: list[str]) -> tuple[str, str]:
    """The request of the mix that the draw ``kind`` (in [0, 1)) picks: its name in the
    report and its URL (further choices drawn from ``rng``)."""
    if mix == "full" and kind < 0.25:  # what a person in the web UI asks
        page = rng.random()
        if page < 0.3:
            return "html: stories page", f"/?offset={rng.randrange(480)}"
        if page < 0.6:
            return "html: one story", f"/stories/{rng.choice(stories)}"
        return "html: article search", f"/articles?q={rng.choice(SEARCH_WORDS)}"
    if mix == "full" and kind < 0.4:
        return "api: article search", f"/api/articles?q={rng.choice(SEARCH_WORDS)}&limit=20"
    if kind < 0.3:
        return ("stories list",
                f"/api/stories?limit=20&offset={rng.randrange(len(stories) - 19)}")
    if kind < 0.55:
        return "claims list", f"/api/claims?limit=50&offset={rng.randrange(len(claims) - 49)}"
    if kind < 0.7:
        return "claims by story", f"/api/claims?story={rng.choice(stories)}"
    if kind < 0.8:
        return ("claims by outlet+date", f"/api/claims?outlet={rng.choice(outlets)}"
                "&since=2023-03-01&until=2023-06-30&limit=20")
    if kind < 0.9:
        return "one story", f"/api/stories/{rng.choice(stories)}"
    return "one claim", f"/api/claims/{rng.choice(claims)}"


async def client(base: str, stories: list[str], claims: list[str], until: float,
                 lat: dict[str, list[float]], errors: list[str], seed: int,
                 floor: bool = False, mix: str = "full", kind_of: str = "lean",
                 hits: dict[str, int] | None = None) -> None:
    """One closed-loop client (no think time) until ``until``: each request's latency
    under its name in ``lat``, how many were answered from the cache in ``hits``."""
    hits = {} if hits is None else hits
    rng = random.Random(seed)
    outlets = [f"Outlet {i}" for i in range(40)]
    async with CLIENTS[kind_of](base) as http:
        while time.monotonic() < until:
            kind = rng.random()
            if floor:  # the baseline: the server's cheapest request, same clients
                name, url = "floor: /api/health", "/api/health"
            else:
                name, url = request_for(kind, rng, mix, stories, claims, outlets)
            t0 = time.perf_counter()
            try:
                ok = await http.get(url) == 200
            except ERRORS as exc:
                ok = False
                errors.append(repr(exc))
            dt = (time.perf_counter() - t0) * 1000
            if not ok:
                errors.append(url)
            lat.setdefault(name, []).append(dt)
            lat.setdefault("all", []).append(dt)
            if http.cache == "hit":  # answered from the server's response cache
                hits[name] = hits.get(name, 0) + 1
                hits["all"] = hits.get("all", 0) + 1


async def asgi_get(app: Any, url: str) -> int:
    """The status of ``GET url`` answered by the ASGI ``app`` in this process (its body
    read and dropped): no socket, no HTTP parsing, no client."""
    path, _, query = url.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 50000),
             "server": ("127.0.0.1", 80)}
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    return status


def misses(db: str, per_kind: int, mix: str, stories: list[str], claims: list[str]
           ) -> str:
    """What each request of the mix costs the server when its response cache misses: the
    app (``create_app``, no response cache) answering ``per_kind`` requests of each kind
    in this process, one at a time, after a warm-up; a table in milliseconds (wall time
    of one thread: the server's CPU per miss, with a thread hop for the pages)."""
    from newstrace.server import create_app

    app = create_app(db, response_cache_bytes=0)
    rng = random.Random(11)
    outlets = [f"Outlet {i}" for i in range(40)]
    drawn: dict[str, int] = {}
    todo: dict[str, list[str]] = {}
    while len(todo) < len(MIX_REQUESTS[mix]) or min(map(len, todo.values())) < per_kind + 20:
        name, url = request_for(rng.random(), rng, mix, stories, claims, outlets)
        drawn[name] = drawn.get(name, 0) + 1
        todo.setdefault(name, []).append(url)
    lat: dict[str, list[float]] = {}
    load_before = load_average()

    async def run() -> None:
        for name, urls in todo.items():
            for i, url in enumerate(urls[:per_kind + 20]):
                t0 = time.perf_counter()
                status = await asgi_get(app, url)
                if status != 200:
                    raise SystemExit(f"{url}: {status}")
                if i >= 20:  # the first ones open connections and fill the per-generation facts
                    lat.setdefault(name, []).append((time.perf_counter() - t0) * 1000)

    asyncio.run(run())
    app.state.service.close()
    total = sum(drawn.values())
    rows = [f"| {name} | {100 * drawn[name] / total:.1f} | {statistics.median(v):.2f} | "
            f"{pct(v, 95):.2f} | {statistics.fmean(v):.2f} |" for name, v in sorted(lat.items())]
    weighted = sum(statistics.fmean(v) * drawn[name] / total for name, v in lat.items())
    return "\n".join([
        f"In-process misses (no response cache), {per_kind} requests of each kind, "
        f"Python {sys.version.split()[0]}; load average (uptime) {load_before} before, "
        f"{load_average()} after",
        "",
        "| request | share of the mix % | p50 ms | p95 ms | mean ms |",
        "|---|---|---|---|---|",
        *rows,
        f"| the mix, every request a miss | 100 | - | - | {weighted:.2f} |",
        ""])


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
    server answers while a writer adds articles.

    Each text gets a last line naming this run, so that it is a new article on a
    store reused from an earlier run too (an article id is its text's digest: the same
    texts again would be known already, and nothing would be written beside the
    readers)."""
    if n <= 0:
        return None
    texts = sorted((ROOT.parent / "shared/data/polnear/train/text").glob("*.txt"))[:n]
    if not texts:
        raise SystemExit("--ingest-beside needs ../shared/data/polnear/train/text")
    folder = Path(tempfile.mkdtemp(prefix="newstrace-bench-ingest-"))
    run = f"\n\nBenchmark run {time.time_ns()}.\n".encode()
    for path in texts:
        (folder / path.name).write_bytes(path.read_bytes() + run)
    return subprocess.Popen([sys.executable, "-m", "newstrace", "ingest", str(folder),
                             "--db", db, "--quiet"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) that process ``pid``, its live descendants and the
    children it reaped have used so far, from ``/proc`` (Linux; 0.0 elsewhere or when
    the process is gone). A process that ended but is not reaped yet still counts."""
    stats: dict[int, tuple[int, float]] = {}
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        entries = [e for e in Path("/proc").iterdir() if e.name.isdigit()]
    except OSError:
        return 0.0
    for entry in entries:
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        own = int(fields[11]) + int(fields[12])
        reaped = int(fields[13]) + int(fields[14])
        stats[int(entry.name)] = (int(fields[1]), (own + reaped) / ticks)
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        if current in stats:
            total += stats[current][1]
            todo.extend(child for child, (parent, _) in stats.items() if parent == current)
    return total


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages as ``uptime`` shows them ("" where
    the platform has none): how busy it was with other work, beside the CPU shares."""
    try:
        return ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return ""


def machine_busy() -> float:
    """CPU seconds all cores have spent busy since boot (``/proc/stat``; 0.0 elsewhere)."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return 0.0
    values = [int(v) for v in first]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    steal = values[7] if len(values) > 7 else 0
    return (sum(values[:8]) - idle - steal) / os.sysconf("SC_CLK_TCK")


def cpu_now(server: int, ingest: int | None) -> dict[str, float]:
    """Where the machine's CPU has gone so far: these clients, the server's processes,
    the ingest beside them, and the machine as a whole (the rest is other work)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return {"clients": me.ru_utime + me.ru_stime, "server": tree_cpu(server),
            "ingest": tree_cpu(ingest) if ingest else 0.0, "machine": machine_busy(),
            "wall": time.monotonic()}


def cpu_shares(before: dict[str, float], after: dict[str, float]) -> str:
    """The CPU each part used during the timed run, in cores (of ``os.cpu_count()``)."""
    wall = after["wall"] - before["wall"]
    used = {k: (after[k] - before[k]) / wall for k in ("clients", "server", "ingest",
                                                        "machine")}
    others = max(0.0, used["machine"] - used["clients"] - used["server"] - used["ingest"])
    return (f"CPU during the timed run, in cores of {os.cpu_count()}: server "
            f"{used['server']:.2f}, clients {used['clients']:.2f}, ingest "
            f"{used['ingest']:.2f}, other work on the machine {others:.2f} (machine busy "
            f"{used['machine']:.2f})")


def has_ended(pid: int) -> bool:
    """Whether child ``pid`` has exited, without reaping it (its CPU stays readable in
    ``/proc`` for :func:`tree_cpu` until :func:`finish_ingest` reaps it)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


async def watch(ingest: subprocess.Popen[bytes] | None, start: float, until: float,
                ended: list[float]) -> None:
    """Note when the ingest beside the run ended (seconds into the run)."""
    while ingest is not None and time.monotonic() < until:
        if has_ended(ingest.pid):
            ended.append(time.monotonic() - start)
            return
        await asyncio.sleep(0.1)


def finish_ingest(ingest: subprocess.Popen[bytes] | None, ended: list[float],
                  added: int) -> str:
    """How the ingest beside the run went, for the report."""
    if ingest is None:
        return "no ingest beside"
    when = (f"its first {ended[0]:.1f} s" if ended else "all of it, and went on after")
    return (f"an ingest of {added:,} new articles ran beside it, for {when} "
            f"(exit {ingest.returncode})")


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
    ap.add_argument("--client", choices=tuple(CLIENTS), default="lean",
                    help="lean: a small HTTP/1.1 client (LeanClient); httpx: "
                         "httpx.AsyncClient, which costs the shared machine more per "
                         "request")
    ap.add_argument("--out", default=str(ROOT / "docs/benchmarks/web.md"))
    ap.add_argument("--misses", type=int, default=0, metavar="N",
                    help="instead of the load test: N requests of each kind of the mix "
                         "answered in this process with no response cache (what a miss "
                         "costs the server), printed")
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
    if args.misses:
        print(misses(db, args.misses, args.mix, stories, claims))
        return
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen([sys.executable, "-m", "newstrace", "serve", "--db", db,
                               "--port", str(port), "--workers", str(args.workers)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    ingested = "no ingest beside"
    cpu = loads = ""
    try:
        wait_ready(base, args.workers)
        lat: dict[str, list[float]] = {}
        floor: dict[str, list[float]] = {}
        errors: list[str] = []

        ended: list[float] = []
        hits: dict[str, int] = {}

        async def run(into: dict[str, list[float]], seconds: float, cheap: bool,
                      ingest: subprocess.Popen[bytes] | None = None) -> None:
            start = time.monotonic()
            until = start + seconds
            await asyncio.gather(watch(ingest, start, until, ended),
                                 *(client(base, stories, claims, until, into, errors, i,
                                          cheap, args.mix, args.client, hits)
                                   for i in range(args.clients)))
        asyncio.run(run(floor, args.seconds / 3, True))
        hits.clear()
        with Store.open(db) as store:
            articles_before = store.count()
        load_before = load_average()
        before = cpu_now(server.pid, None)
        ingest = start_ingest(db, args.ingest_beside, env)
        asyncio.run(run(lat, args.seconds, False, ingest))
        cpu = cpu_shares(before, cpu_now(server.pid, ingest.pid if ingest else None))
        loads = f"load average (uptime) {load_before} before the timed run, {load_average()} after"
        if ingest is not None:
            ingest.wait(600)  # reaped now, after its CPU was read
        with Store.open(db) as store:
            ingested = finish_ingest(ingest, ended, store.count() - articles_before)
    finally:
        server.terminate()
        server.wait(10)
    total = len(lat.get("all", []))
    rows = []
    for name, values in sorted(lat.items(), key=lambda kv: kv[0] != "all"):
        rows.append(f"| {name} | {len(values)} | {statistics.median(values):.1f} | "
                    f"{pct(values, 95):.1f} | {pct(values, 99):.1f} | "
                    f"{100 * hits.get(name, 0) / len(values):.0f} |")
    p95 = pct(lat["all"], 95)
    floor_values = floor["all"]
    floor_p95 = pct(floor_values, 95)
    rows.append(f"| floor, same clients: /api/health (the cheapest request) | {len(floor_values)} "
                f"| {statistics.median(floor_values):.1f} | {floor_p95:.1f} | "
                f"{pct(floor_values, 99):.1f} | - |")
    text = "\n".join([
        "# Web API load benchmark",
        "",
        f"`PYTHONPATH=src python benchmarks/web_load.py --articles {args.articles} "
        f"--clients {args.clients} --seconds {args.seconds:g} --workers {args.workers} "
        f"--mix {args.mix} --ingest-beside {args.ingest_beside}"
        f"{' --client ' + args.client if args.client != 'lean' else ''}`",
        "",
        f"- {args.articles} synthetic articles (seeded; 150-400 words, 40 outlets, 2023 dates), "
        f"{len(stories):,} stories x 20 articles x 3 events, {len(claims):,} claims, "
        f"{args.articles // 10:,} reuse pairs; SQLite store {built}",
        f"- server: `newstrace serve --workers {args.workers}` (uvicorn, "
        f"{args.workers} process{'es' if args.workers > 1 else ''}) on 127.0.0.1; clients: "
        f"{args.clients} {CLIENT_NAMES[args.client]} tasks in one process for {args.seconds:g} s "
        "over loopback",
        f"- machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; {loads}",
        f"- mix: {MIXES[args.mix]}; {ingested}",
        f"- {total} requests, {total / args.seconds:.0f} req/s, {len(errors)} errors",
        f"- {cpu}",
        f"- **p95 {p95:.1f} ms** (target < 200 ms): {'met' if p95 < 200 else 'NOT met'}; "
        f"{p95 / floor_p95:.2f}x the p95 of the cheapest request under the same load "
        f"({floor_p95:.1f} ms, {len(floor_values) / (args.seconds / 3):.0f} req/s)",
        "",
        "| request | n | p50 ms | p95 ms | p99 ms | cache hits % |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
    ])
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
