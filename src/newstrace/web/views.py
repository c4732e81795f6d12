"""Routes of the web UI (an :class:`~fastapi.APIRouter`): server-rendered pages over the
corpus view (a page of results at a time, from the store's indexes), and the upload /
analyse / sign-in forms.

The pages get the corpus, its view, the jobs and the write guard from the same
dependencies as the API (:mod:`newstrace.service.deps`); nothing here imports the API.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from newstrace import settings
from newstrace.corpus_view import CorpusView
from newstrace.nlp.temporal import iso_day
from newstrace.report.dossier import (
    SECTIONS,
    context,
    graph_svg,
    provenance_graph,
    stylesheet,
    timeline_svg,
)
from newstrace.report.dossier import _env as _dossier_env
from newstrace.service.auth import Grant, authorise, sign_in
from newstrace.service.deps import WRITE_FORM, CorpusDep, JobsDep, ServiceDep, ViewDep
from newstrace.service.response_cache import CSRF_SLOT
from newstrace.service.state import Service
from newstrace.service.tasks import start_analyze, start_upload
from newstrace.web.environment import PageEnvironment

_pages = PackageLoader("newstrace.web", "templates")


@functools.cache
def page_environment(accelerated: bool = True) -> Environment:
    """The pages' Jinja2 environment: :class:`PageEnvironment`, whose shorter lookups
    render the same pages in less time, or, ``accelerated`` false (the setting
    ``NEWSTRACE_ACCELERATE=0``, :mod:`newstrace.settings`), Jinja2's own."""
    kind = PageEnvironment if accelerated else Environment
    env = kind(
        loader=ChoiceLoader([_pages, PackageLoader("newstrace.report", "templates")]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # the report's partials use the report's filters (clip, human...): the same ones here
    env.filters.update({k: v for k, v in _dossier_env.filters.items()
                        if k not in env.filters})
    return env


def _environment() -> Environment:
    return page_environment(settings.current().accelerate)


PAGE = 20
TITLES = {key: heading for key, heading, _ in SECTIONS}
STAGE_OF = {key: stage for key, _, stage in SECTIONS}
#: the sections with a page of their own, listed like the index's stories
SECTION_PAGES = ("claims", "reuse", "entities", "citations", "anomalies")

router = APIRouter(include_in_schema=False)


def compile_templates() -> None:
    """Compile the pages' templates now (once per process, they are cached): a server
    does it as it starts rather than in the first requests that show each page, which
    would wait for it."""
    for name in [*_pages.list_templates(), "_partials.html"]:
        _environment().get_template(name)


def _filters(request: Request) -> dict[str, str | None]:
    """The page's filters from its query string; 400 for a date that is not one (the
    pages take free text, not FastAPI-validated parameters, to show forms as typed)."""
    q = request.query_params
    out: dict[str, str | None] = {}
    for name in ("since", "until", "outlet", "story", "q"):
        value = (q.get(name) or "").strip()[:500]
        out[name] = value or None
    for name in ("since", "until"):
        value = out[name]
        if value and iso_day(value) is None:
            raise HTTPException(400, f"{name} must be a date YYYY-MM-DD")
    return out


def _result_filters(f: dict[str, str | None]) -> dict[str, str | None]:
    return {k: f[k] for k in ("outlet", "since", "until", "story")}


def _offset(request: Request) -> int:
    try:
        return max(0, min(int(request.query_params.get("offset", "0")), 10_000_000))
    except ValueError:
        raise HTTPException(400, "offset must be a whole number") from None


def _report(view: CorpusView, items: dict[str, list[dict[str, Any]]],
            articles: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A report holding just what a page shows, in the shape the dossier's partials
    read: by default the articles its items name (not the whole article index)."""
    report: dict[str, Any] = {k: [] for k in TITLES}
    report.update(items)
    report["articles"] = (articles if articles is not None else
                          view.articles_named(i for kind in items.values() for i in kind))
    report["analyses"] = view.status()
    report["graph"] = {"nodes": [], "edges": []}  # drawn only where asked for
    return report


def _filter_choices(view: CorpusView, filters: dict[str, Any]) -> Markup:
    """The outlet and story choices of a filter form, rendered once per store
    generation and selection: hundreds of options cost more to render than the rest
    of a page."""
    outlet, story = filters.get("outlet"), filters.get("story")

    def load() -> Markup:
        return Markup(_environment().get_template("_filter_choices.html").render(
            outlets=view.outlets(), stories_all=view.story_choices(story),
            filters={"outlet": outlet, "story": story}))
    return view.cached(("web", "filter-choices", outlet, story), load)


def render(name: str, request: Request, service: Service, report: dict[str, Any],
           **extra: Any) -> HTMLResponse:
    """Template ``name`` over ``report``, with what every page's frame needs: filter
    choices, the CSRF token of its forms (and its cookie; a page that the response
    cache keeps: its placeholder, see :mod:`newstrace.service.response_cache`), and
    whether to show the sign-in form (a token server, this browser not authorised by
    its cookie yet)."""
    csrf = service.csrf
    ctx = context(report, link_prefix="/articles/")
    ctx.update(extra)
    ctx.setdefault("filters", {})
    ctx["filter_choices"] = lambda: _filter_choices(service.view, ctx["filters"])
    ctx["path"] = request.url.path
    ctx["qs"] = lambda **kw: "?" + urlencode(
        {k: v for k, v in {**ctx["filters"], **kw}.items() if v not in (None, "")})
    # forms post to action?csrf_token=...: the token is checked before the body is read.
    # A page being cached holds a placeholder instead, which the response cache
    # replaces by each browser's own token, setting its cookie (its CSRF_SLOT)
    placeholder: str | None = request.scope.get(CSRF_SLOT)
    nonce = None if placeholder else csrf.nonce(request)
    token = placeholder or csrf.token(nonce or "")
    ctx["csrf_qs"] = "?" + urlencode({csrf.FIELD: token})
    ctx["need_token"] = service.token is not None
    ctx["signed_in"] = authorise(request, service, cookie=True) is Grant.COOKIE
    response = HTMLResponse(_environment().get_template(name).render(**ctx))
    if nonce is not None:
        csrf.set_cookie(response, nonce)
    return response


@router.get("/style.css")
def style() -> Response:
    """The dossier's stylesheet: the UI and the dossier draw the same classes alike."""
    return Response(stylesheet(), media_type="text/css",
                    headers={"Cache-Control": "public, max-age=3600"})


def _timelines(view: CorpusView, stories: list[dict[str, Any]]) -> dict[str, Markup]:
    """Each story's timeline, drawn once per results generation: the stories page at
    one offset shares all but one of its stories with the page at the next, and
    drawing them (with reading their articles) is most of the page's cost. A timeline
    shows the story and its own stored articles alone, which a new article named by
    the story changes only with the results generation."""
    def key(story: dict[str, Any]) -> tuple[str, str, str]:
        return "web", "timeline", str(story.get("id"))

    def load(missing: list[Any]) -> dict[Any, Markup]:
        todo = [s for s in stories if key(s) in set(missing)]
        arts = {a["id"]: a for a in view.articles(
            a for s in todo for a in s.get("article_ids") or [])}
        return {key(s): timeline_svg(s, arts) for s in todo}

    found = view.cached_each([key(s) for s in stories], load,
                             weigh=lambda svg: len(svg) // 64)
    return {str(s.get("id")): found[key(s)] for s in stories}


@router.get("/", response_class=HTMLResponse)
def index(request: Request, service: ServiceDep) -> Response:
    f = _filters(request)
    off = _offset(request)
    found = service.view.page("stories", limit=PAGE, offset=off, **_result_filters(f))
    # the timelines are all the page shows of the stories' articles: none read else
    report = _report(service.view, {"stories": found["items"]}, articles=[])
    return render("index.html", request, service, report, filters=f, total=found["total"],
                  offset=off, page=PAGE, timelines=_timelines(service.view, found["items"]))


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story(request: Request, story_id: str, service: ServiceDep, view: ViewDep) -> Response:
    found = view.item("stories", story_id)
    if found is None:
        raise HTTPException(404, f"no story {story_id!r}")
    ids = list(found.get("article_ids") or [])
    # the items about the story's articles, found by index
    items = view.touching_each(("claims", "reuse", "citations", "anomalies", "graphs"), ids)
    items.update(stories=[found], entities=[], graphs=[
        g for g in items["graphs"] if g.get("story_id") == story_id])
    report = _report(view, items, view.articles(ids))
    return render("story.html", request, service, report, story=found,
                  story_graph=graph_svg(provenance_graph(report), inline_css=False))


def _section_page(key: str) -> Callable[..., Response]:
    def page(request: Request, service: ServiceDep) -> Response:
        f = _filters(request)
        off = _offset(request)
        found = service.view.page(key, limit=PAGE, offset=off, **_result_filters(f))
        report = _report(service.view, {key: found["items"]})
        return render("section.html", request, service, report, key=key,
                      heading=TITLES[key], stage=STAGE_OF[key], filters=f,
                      total=found["total"], offset=off, page=PAGE)
    return page


for _key in SECTION_PAGES:
    router.add_api_route(f"/{_key}", _section_page(_key), methods=["GET"],
                         response_class=HTMLResponse, name=f"web_{_key}")


@router.get("/articles", response_class=HTMLResponse)
def articles_page(request: Request, service: ServiceDep, corpus: CorpusDep) -> Response:
    f = _filters(request)
    off = _offset(request)
    ids = None
    if f["story"]:
        ids = service.view.story_article_ids(f["story"])
        if ids is None:
            raise HTTPException(404, f"no story {f['story']!r}")
    found = corpus.search(f["q"], outlet=f["outlet"], since=f["since"], until=f["until"],
                          ids=sorted(ids) if ids is not None else None, limit=PAGE,
                          offset=off)
    report = _report(service.view, {})
    return render("articles.html", request, service, report, filters=f, total=found.total,
                  total_text=found.total_text, total_capped=found.capped, offset=off, page=PAGE,
                  found=[a.to_dict() for a in found.items])


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str, service: ServiceDep,
                 corpus: CorpusDep, view: ViewDep) -> Response:
    art = corpus.article(article_id)
    if art is None:
        raise HTTPException(404, f"no article {article_id!r}")
    items = {kind: view.touching(kind, [article_id]) for kind in ("claims", "reuse")}
    report = _report(view, items)
    return render("article.html", request, service, report, article=art.to_dict())


def _upload_page(request: Request, service: Service, error: str | None,
                 status: int = 200) -> HTMLResponse:
    page = render("upload.html", request, service, _report(service.view, {}, []), error=error)
    page.status_code = status
    return page


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, service: ServiceDep) -> Response:
    return _upload_page(request, service, None)


@router.post("/sign-in")
async def sign_in_form(request: Request, service: ServiceDep) -> Response:
    """Token servers: the upload page's token, once, for a SameSite=Strict cookie (the
    file upload itself is then authorised before its body is read)."""
    if service.token is None:
        return RedirectResponse("/upload", status_code=303)
    # CSRF and Origin as for any form; a small urlencoded body
    if not service.csrf.valid(request):
        raise HTTPException(403, "CSRF token missing or wrong (reload the page)")
    form = await request.form(max_files=0, max_part_size=4096)
    response = RedirectResponse("/upload", status_code=303)
    if not sign_in(service, str(form.get("token") or ""), response):
        return _upload_page(request, service, "wrong or missing token", 401)
    return response


@router.post("/upload", dependencies=[WRITE_FORM])
async def upload(request: Request, service: ServiceDep) -> Response:
    async with request.form(max_part_size=service.max_upload) as form:
        files = [f for f in form.getlist("files") if hasattr(f, "read") and f.filename]
        if not files:
            return _upload_page(request, service, "choose a file first", 400)
        job = await start_upload(service, files)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.post("/analyze", dependencies=[WRITE_FORM])
def analyze(service: ServiceDep) -> Response:
    job = start_analyze(service)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str, service: ServiceDep, jobs: JobsDep) -> Response:
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id!r}")
    return render("job.html", request, service, _report(service.view, {}, []),
                  job=job.to_dict())
