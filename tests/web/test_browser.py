"""Real headless Chromium (Playwright) over the dossier and the live web UI."""

from __future__ import annotations

import copy
import socket
import threading
import time
from pathlib import Path

import pytest

from newstrace.report.dossier import render_dossier
from newstrace.server import create_app
from newstrace.store import Store
from tests.fixtures.load import fixture_report, load_into

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HOSTILE_TEXT = ("Breaking <script>window.__pwned = 1; document.title = 'pwned'</script> "
                "<img src=x onerror=\"window.__pwned = 2; document.title = 'pwned'\"> "
                "<svg onload=\"window.__pwned = 3\"></svg> end")


def origin_claim(report: dict) -> str:
    """The DOM id of the first claim traced to an article in the corpus."""
    claim = next(c for c in report["claims"]
                 if any(o["kind"] == "article" for o in c["origins"]))
    return f"#claim-{claim['id']}"


def hostile_report() -> dict:
    report = copy.deepcopy(fixture_report())
    art = report["articles"][0]
    art["title"] = "<script>window.__pwned = 4</script>Hostile <img src=x onerror=window.__pwned=5>"
    art["text"] = HOSTILE_TEXT
    art["outlet"] = "<b onmouseover=window.__pwned=6>Evil</b>"
    art["boilerplate"] = [{"text": HOSTILE_TEXT, "reason": "<script>x</script>"}]
    report["claims"][0]["text"] = HOSTILE_TEXT
    report["stories"][0]["title"] = "<img src=x onerror=window.__pwned=7>story"
    return report


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not installed (scripts/ensure-services.sh installs it)")
    with playwright.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.set_default_timeout(5000)
    yield pg
    ctx.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(db: str):
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def live(tmp_path):
    servers = []

    def start(report: dict) -> str:
        db = str(tmp_path / f"ui{len(servers)}.db")
        store = Store.open(db)
        load_into(store, report)
        store.close()
        server, thread, url = _serve(db)
        servers.append((server, thread))
        return url

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(5)


def _no_script_ran(pg, title: str) -> None:
    assert pg.evaluate("typeof window.__pwned") == "undefined"
    assert pg.title() == title


def test_dossier_story_claim_origin(page, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    report = fixture_report()
    out = tmp_path / "index.html"
    out.write_text(render_dossier(report), encoding="utf-8")
    page.goto(out.as_uri())
    assert page.locator("#stories svg.timeline").count() == len(report["stories"])
    assert page.locator("#provenance svg.graph").count() == 1
    page.screenshot(path=str(ARTIFACTS / "dossier.png"), full_page=True)
    # story -> claim -> its origin article
    page.click("nav.toc a[href='#claims']")
    origin = page.locator(f"{origin_claim(report)} .origin a").first
    origin_id = origin.get_attribute("href").removeprefix("#article-")
    origin.click()
    assert page.evaluate("location.hash") == f"#article-{origin_id}"
    assert page.locator(f"#article-{origin_id} h3").is_visible()
    page.screenshot(path=str(ARTIFACTS / "dossier-origin.png"))
    # origin -> the copy's side-by-side view
    copy_edge = next(r for r in report["reuse"] if r["original"] == origin_id)
    page.locator(f"#article-{origin_id} a.side-by-side").first.click()
    assert page.evaluate("location.hash") == f"#reuse-{copy_edge['id']}"
    assert page.locator(f"#reuse-{copy_edge['id']} .pair").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "dossier-copy-diff.png"))


def test_every_graph_edge_is_drawn_in_its_kind_colour(page, live, tmp_path):
    """The dossier and the live UI (whose policy allows no inline style) colour each
    edge kind as the legend says, not the default grey."""
    from newstrace.report.dossier import EDGE_STYLE

    report = fixture_report()
    out = tmp_path / "index.html"
    out.write_text(render_dossier(report), encoding="utf-8")
    story = max(report["stories"], key=lambda s: len(s["article_ids"]))
    for url in (out.as_uri(), live(report) + f"/stories/{story['id']}"):
        page.goto(url)
        strokes = page.evaluate("""() => Object.fromEntries(
            [...document.querySelectorAll('svg.graph path.e, svg.graph line.e')].map(
                e => [[...e.classList].find(c => c.startsWith('e-')),
                      getComputedStyle(e).stroke]))""")
        assert {"e-published", "e-copy", "e-origin"} <= set(strokes), url
        for cls, stroke in strokes.items():
            colour = EDGE_STYLE[cls.removeprefix("e-")][0]
            rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
            assert stroke == "rgb({}, {}, {})".format(*rgb), (url, cls, stroke)


def test_live_ui_story_claim_origin(page, live):
    ARTIFACTS.mkdir(exist_ok=True)
    report = fixture_report()
    story = report["stories"][0]
    base = live(report)
    page.goto(base + "/")
    page.screenshot(path=str(ARTIFACTS / "ui-stories.png"), full_page=True)
    page.click(f"h3 a[href$='/stories/{story['id']}']")
    assert page.url.endswith(f"/stories/{story['id']}")
    assert page.locator("svg.graph").count() == 1
    page.screenshot(path=str(ARTIFACTS / "ui-story.png"), full_page=True)
    page.locator(f"{origin_claim(report)} .origin a").first.click()
    assert "/articles/" in page.url
    assert page.locator("pre.text").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "ui-origin-article.png"), full_page=True)
    # origin -> the copy's side-by-side view, on the origin article's page
    origin_id = page.url.rsplit("/", 1)[-1]
    copy_edge = next(r for r in report["reuse"] if r["original"] == origin_id)
    page.locator("a.side-by-side").first.click()
    assert page.evaluate("location.hash") == f"#reuse-{copy_edge['id']}"
    assert page.locator(f"#reuse-{copy_edge['id']} .pair").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "ui-copy-diff.png"), full_page=True)
    # search and filters
    page.goto(base + "/articles?q=drones&outlet=CNN")
    assert page.locator("#articles table tr").count() >= 1


def test_hostile_article_never_runs_script_in_dossier(page, tmp_path):
    out = tmp_path / "index.html"
    out.write_text(render_dossier(hostile_report()), encoding="utf-8")
    page.goto(out.as_uri())
    page.hover("text=Evil") if page.locator("text=Evil").count() else None
    for d in page.locator("details").all():
        d.evaluate("el => el.open = true")
    page.wait_for_timeout(200)
    _no_script_ran(page, "newstrace dossier")
    assert "<script>" in page.content().replace("&lt;script&gt;", "<script>")


def test_hostile_article_never_runs_script_in_ui(page, live):
    report = hostile_report()
    base = live(report)
    aid = report["articles"][0]["id"]
    for path, title in [("/", "Stories — newstrace"), (f"/articles/{aid}", None),
                        ("/articles?q=Breaking", "Articles — newstrace"),
                        (f"/stories/{report['stories'][0]['id']}", None), ("/claims", None)]:
        page.goto(base + path)
        page.wait_for_timeout(100)
        assert page.evaluate("typeof window.__pwned") == "undefined", path
        assert page.title() != "pwned", path
        if title:
            assert page.title() == title
    page.screenshot(path=str(ARTIFACTS / "ui-hostile.png"), full_page=True)


def _get_json(url: str) -> dict:
    import json
    import urllib.request
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def test_cross_origin_page_cannot_upload_or_analyze(page, live):
    """A page of another origin (served by Playwright's router: no network) posts FormData
    and a form to the default loopback, no-token server: refused, nothing stored."""
    base = live(fixture_report())
    before = _get_json(base + "/api/articles")["total"]
    evil = f"""<!doctype html><html><body>
<form id="f" method="post" action="{base}/api/analyze" target="sink">
<input name="x" value="1"></form>
<form id="u" method="post" action="{base}/upload" enctype="multipart/form-data" target="sink2">
<input name="files" type="file"></form>
<iframe name="sink"></iframe><iframe name="sink2"></iframe>
<script>
window.done = (async () => {{
  const fd = new FormData();
  fd.append("files", new Blob(["Evil title\\n\\nEvil body."], {{type: "text/plain"}}), "e.txt");
  await fetch("{base}/api/ingest/files", {{method: "POST", body: fd, mode: "no-cors"}})
    .catch(() => null);
  await fetch("{base}/api/analyze", {{method: "POST", body: "{{}}", mode: "no-cors",
    headers: {{"Content-Type": "text/plain"}}}}).catch(() => null);
  document.getElementById("f").submit();
  document.getElementById("u").submit();
  return true;
}})();
</script></body></html>"""
    page.route("http://evil.test/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=evil))
    page.goto("http://evil.test/attack")
    assert page.evaluate("window.done") is True
    page.wait_for_timeout(700)
    assert _get_json(base + "/api/jobs")["total"] == 0
    assert _get_json(base + "/api/articles")["total"] == before


def test_ui_upload_and_analyze_buttons(page, live, tmp_path):
    base = live(fixture_report())
    sample = tmp_path / "sample.txt"
    sample.write_text("Browser upload title\n\nA body about drones over the harbour.\n")
    page.goto(base + "/upload")
    page.set_input_files("#upload input[type=file]", str(sample))
    page.click("#upload button[type=submit]")
    page.wait_for_url("**/jobs/*")
    page.wait_for_selector("#job[data-finished]", timeout=20000)
    assert page.get_attribute("#job", "data-finished") == "done"
    assert _get_json(base + "/api/articles?q=browser%20upload")["total"] == 1
    page.goto(base + "/upload")
    page.click("#analyze button[type=submit]")
    page.wait_for_url("**/jobs/*")
    assert "analyze job" in page.inner_text("#job h2")
