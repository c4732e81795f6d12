"""The web UI's pages render cheaply and the same: PageEnvironment's shorter lookups give
Jinja2's own output, and a story page reads the store in a fixed number of statements
however many items it shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jinja2 import Environment, StrictUndefined, pass_context, pass_environment
from markupsafe import Markup
from sqlalchemy import event

from newstrace import settings
from newstrace.records import Article
from newstrace.server import create_app
from newstrace.store import Store
from newstrace.web import views
from newstrace.web.environment import PageEnvironment
from tests.fixtures.load import fixture_report

BASE = "http://127.0.0.1"
_TOKEN = re.compile(r"csrf_token=[0-9a-f]+")


def _pages(report: dict[str, Any]) -> list[str]:
    """Every kind of page the UI renders from the store, over the fixture."""
    paths = ["/", "/?offset=1", "/claims", "/claims?offset=20", "/reuse", "/entities",
             "/citations", "/anomalies", "/articles", "/articles?q=the", "/upload"]
    paths += [f"/stories/{s['id']}" for s in report["stories"]]
    paths += [f"/articles/{a['id']}" for a in report["articles"]]
    paths += [f"/claims?story={s['id']}" for s in report["stories"]]
    return paths


def test_every_page_is_what_plain_jinja_renders(seeded_db: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Each page, rendered with the UI's PageEnvironment and with Jinja2's own
    Environment over the same templates (``NEWSTRACE_ACCELERATE=0``), byte for byte (a
    fresh server each, so that nothing rendered by one is kept for the other)."""
    assert type(views.page_environment(True)) is PageEnvironment
    assert type(views.page_environment(False)) is Environment

    def render_all() -> dict[str, str]:
        app = create_app(seeded_db, response_cache_bytes=0)  # every request renders
        out = {}
        with TestClient(app, base_url=BASE) as client:
            for path in _pages(fixture_report()):
                page = client.get(path)
                assert page.status_code == 200, path
                out[path] = _TOKEN.sub("csrf_token=T", page.text)
        return out

    assert type(views._environment()) is PageEnvironment
    fast = render_all()
    before = settings.configure(accelerate=False)
    try:
        assert type(views._environment()) is Environment
        plain = render_all()
    finally:
        settings.configure(**before.as_dict())
    assert set(fast) == set(plain)
    for path in fast:
        assert fast[path] == plain[path], path
    assert 'class="graph"' in fast["/stories/story-75ec6c71103e052b"]  # a page with it all


class _Html:
    def __html__(self) -> str:
        return "<em>safe</em>"


class _Str(str):
    pass


class _Markup(Markup):
    pass


class _Callable:
    @pass_context
    def __call__(self, ctx: Any, name: str) -> str:
        return f"{name}:{ctx.get('who')}"


def _stops() -> None:
    raise StopIteration


@pass_environment
def _env_name(env: Environment) -> str:
    return type(env).__mro__[-2].__name__  # the same for both: Environment


#: (template, data) pairs whose output must not depend on the environment's class
CASES: list[tuple[str, dict[str, Any]]] = [
    ("{{ d.title }}|{{ d.missing }}|{{ d.items }}|{{ d.get('title') }}",
     {"d": {"title": "T", "items": "a key named like a method"}}),
    ("{{ d.keys|length if d.keys is defined }}{% for k, v in d.items() %}{{ k }}={{ v }};"
     "{% endfor %}", {"d": {"b": 1, "a": "<x>"}}),
    ("{{ d.title.upper() }}{{ o.real }}{{ s.id }}|{{ l.id }}", {
        "d": {"title": "t"}, "o": 3, "s": "a string", "l": [1]}),
    ("{{ (d.nested or {}).deep }}{{ d.none is none }}", {"d": {"nested": {"deep": 4},
                                                              "none": None}}),
    ("{% macro m(a, b=2) %}{{ a }}{{ b }}{{ varargs }}{{ kwargs }}{% endmacro %}"
     "{{ m(1) }}{{ m(1, 3) }}{{ m(1, b=5) }}", {}),
    ("{% macro row(x) %}<{{ x }}>{% endmacro %}{% for i in [1, '<'] %}{{ row(i) }}"
     "{% endfor %}{% set f = row %}{{ f(9) }}", {}),
    ("{% macro outer() %}[{{ caller() }}]{% endmacro %}{% call outer() %}in{% endcall %}", {}),
    ("{{ ctx_fn('x') }}|{{ env_fn() }}|{{ stops() }}|{{ plain(2) }}|{{ lookup('k') }}", {
        "ctx_fn": _Callable(), "who": "me", "env_fn": _env_name, "stops": _stops,
        "plain": lambda n: n * 2, "lookup": {"k": "v"}.get}),
    ("{% for x in items %}{{ loop.index }}{{ x.name|e }}{% endfor %}",
     {"items": [{"name": "<a>"}, {"nom": 1}]}),
    ("{{ s }}|{{ m }}|{{ n }}|{{ f }}|{{ none }}|{{ h }}|{{ sub }}|{{ msub }}|{{ m ~ s }}"
     "|{{ '<lit>' }}|{{ s|safe }}|{{ [s] }}", {
         "s": "<i>&'\"", "m": Markup("<b>"), "n": 3, "f": 0.5, "none": None,
         "h": _Html(), "sub": _Str("<u>"), "msub": _Markup("<s>")}),
]


@pytest.mark.parametrize("source,data", CASES, ids=[str(i) for i in range(len(CASES))])
@pytest.mark.parametrize("undefined", ["default", "strict"])
def test_lookups_and_calls_give_jinja_s_answer(source: str, data: dict[str, Any],
                                               undefined: str) -> None:
    def render(cls: type[Environment]) -> str:
        opts: dict[str, Any] = {"autoescape": True}
        if undefined == "strict":
            opts["undefined"] = StrictUndefined
        try:
            return cls(**opts).from_string(source).render(**data)
        except Exception as exc:  # the same error, too
            return f"raised {type(exc).__name__}: {exc}"

    assert render(PageEnvironment) == render(Environment)


def _story_store(path: str, claims: int) -> str:
    """A store of one story of 12 articles with ``claims`` claims and as many reuse pairs
    over them (each naming articles in and out of the story)."""
    with Store.open(path) as store:
        arts = [Article(id=f"a{i:03d}", source=f"s/{i}.txt", text=f"text {i}",
                        outlet=f"Outlet {i % 3}", title=f"Title {i}",
                        published=f"2023-02-{i % 27 + 1:02d}") for i in range(40)]
        store.add_articles([(a, a.id) for a in arts])
        members = [a.id for a in arts[:12]]
        store.save_items("stories", [{"id": "story-x", "title": "X", "summary": "s",
                                      "article_ids": members, "events": [
                                          {"id": "e1", "title": "e", "date": "2023-02-03",
                                           "article_ids": members[:4], "timeline": []}]}])
        store.save_items("claims", [{
            "id": f"claim-{n:03d}", "text": f"claim {n}", "article_ids": [
                members[n % 12], arts[12 + n % 28].id],
            "stances": [{"article_id": members[n % 12], "stance": "asserting"}],
            "origins": [{"kind": "article", "id": members[n % 12]}],
            "first_reporter": {"id": members[n % 12], "outlet": "Outlet 0"},
            "independent_sources": 1} for n in range(claims)])
        store.save_items("reuse", [{
            "id": f"reuse-{n:03d}", "original": members[n % 12], "copy": arts[12 + n % 28].id,
            "kind": "rewrite", "score": 0.5} for n in range(claims)])
    return path


@contextmanager
def _statements(store: Store) -> Iterator[list[str]]:
    """The SELECT statements run on ``store`` meanwhile."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", note)


def test_a_story_page_reads_the_same_few_statements_whatever_it_shows(tmp_path: Any) -> None:
    """A story page miss reads its story, each kind of item about its articles in one
    statement (bodies included), and the articles' cards: as many statements for 2
    claims as for 300 (the cursor-level tokens of the response cache are not counted)."""
    counts = {}
    for claims in (2, 300):
        db = _story_store(str(tmp_path / f"story-{claims}.db"), claims)
        app = create_app(db, response_cache_bytes=0)
        with TestClient(app, base_url=BASE) as client:
            assert client.get("/stories/story-x").status_code == 200  # per-generation facts
            with _statements(app.state.store) as seen:
                page = client.get("/stories/story-x")
            assert page.status_code == 200
            assert page.text.count('<tr id="claim-') == claims
            assert page.text.count('class="reuse"') == claims
            counts[claims] = seen
    assert len(counts[2]) == len(counts[300]), counts
    touching = [s for s in counts[300] if "result_articles" in s]
    assert len(touching) == 2, touching  # claims and reuse, one statement each
    assert len(counts[300]) <= 4, counts[300]  # + the story, + the articles' cards
