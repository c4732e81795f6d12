"""Routes of the web UI, mounted on the API app by :func:`mount_web`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from newstrace.api.data import Data
from newstrace.report.dossier import SECTIONS, context, graph_svg, provenance_graph
from newstrace.report.dossier import _env as _dossier_env
from newstrace.store.search import outlets, search_articles

_env = Environment(
    loader=ChoiceLoader([PackageLoader("newstrace.web", "templates"),
                         PackageLoader("newstrace.report", "templates")]),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
# the report's partials use the report's filters (clip, human...): the same ones here
_env.filters.update({k: v for k, v in _dossier_env.filters.items() if k not in _env.filters})
PAGE = 20
TITLES = {key: heading for key, heading, _ in SECTIONS}
STAGE_OF = {key: stage for key, _, stage in SECTIONS}


def _filters(request: Request) -> dict[str, str | None]:
    q = request.query_params
    out: dict[str, str | None] = {}
    for name in ("since", "until", "outlet", "story", "q"):
        value = (q.get(name) or "").strip()[:500]
        out[name] = value or None
    from datetime import date
    for name in ("since", "until"):
        if out[name]:
            try:
                date.fromisoformat(out[name][:10])
            except ValueError:
                raise HTTPException(400, f"{name} must be a date YYYY-MM-DD") from None
    return out


def _offset(request: Request) -> int:
    try:
        return max(0, min(int(request.query_params.get("offset", "0")), 10_000_000))
    except ValueError:
        raise HTTPException(400, "offset must be a whole number") from None


def _report(data: Data, items: dict[str, list[dict[str, Any]]],
            articles: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    report: dict[str, Any] = {k: [] for k in TITLES}
    report.update(items)
    report["articles"] = articles if articles is not None else list(data.index().values())
    report["analyses"] = data.status()
    report["graph"] = {"nodes": [], "edges": []}  # drawn only where asked for
    return report


def mount_web(app: FastAPI) -> None:
    data: Data = app.state.data
    store = data.store
    csrf = app.state.csrf
    form_write = [Depends(app.state.allowed("form"))]
    app.mount("/static", StaticFiles(packages=[("newstrace.web", "static")]), name="static")

    def render(name: str, request: Request, report: dict[str, Any], **extra: Any) -> HTMLResponse:
        ctx = context(report, link_prefix="/articles/")
        ctx.update(extra)
        ctx.setdefault("filters", {})
        ctx["outlets"] = outlets(store)
        ctx["stories_all"] = [(s.get("id"), s.get("title")) for s in data.items("stories")]
        ctx["path"] = request.url.path
        ctx["qs"] = lambda **kw: "?" + urlencode(
            {k: v for k, v in {**ctx["filters"], **kw}.items() if v not in (None, "")})
        # forms post to action?csrf_token=...: the token is checked before the body is read
        nonce = csrf.nonce(request)
        ctx["csrf_qs"] = "?" + urlencode({csrf.FIELD: csrf.token(nonce)})
        ctx["need_token"] = app.state.token is not None
        ctx["signed_in"] = ctx["need_token"] and csrf.signed_in(request)
        response = HTMLResponse(_env.get_template(name).render(**ctx))
        csrf.set_cookie(response, nonce)
        return response

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request) -> Response:
        f = _filters(request)
        off = _offset(request)
        kw = {k: f[k] for k in ("outlet", "since", "until", "story")}
        stories = data.filtered("stories", **kw)
        report = _report(data, {"stories": stories[off: off + PAGE]})
        return render("index.html", request, report, filters=f, total=len(stories),
                      offset=off, page=PAGE)

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story(request: Request, story_id: str) -> Response:
        found = [s for s in data.items("stories") if s.get("id") == story_id]
        if not found:
            raise HTTPException(404, f"no story {story_id!r}")
        ids = set(found[0].get("article_ids") or [])
        idx = data.index()
        items = {
            "stories": found,
            "claims": [c for c in data.items("claims") if ids & set(c.get("article_ids") or [])],
            "reuse": [r for r in data.items("reuse") if {r.get("original"), r.get("copy")} & ids],
            "citations": [c for c in data.items("citations") if c.get("article_id") in ids],
            "anomalies": [a for a in data.items("anomalies")
                          if ids & set(a.get("article_ids") or [])],
            "entities": [],
        }
        arts = [idx[i] for i in ids if i in idx]
        report = _report(data, items, arts)
        return render("story.html", request, report, story=found[0],
                      story_graph=graph_svg(provenance_graph(report)))

    def section_page(key: str) -> Any:
        def page(request: Request) -> Response:
            f = _filters(request)
            off = _offset(request)
            kw = {k: f[k] for k in ("outlet", "since", "until", "story")}
            items = data.filtered(key, **kw)
            report = _report(data, {key: items[off: off + PAGE]})
            return render("section.html", request, report, key=key, heading=TITLES[key],
                          stage=STAGE_OF[key], filters=f, total=len(items), offset=off,
                          page=PAGE)
        return page

    for key in ("claims", "reuse", "entities", "citations", "anomalies"):
        app.add_api_route(f"/{key}", section_page(key), methods=["GET"],
                          response_class=HTMLResponse, include_in_schema=False,
                          name=f"web_{key}")

    @app.get("/articles", response_class=HTMLResponse, include_in_schema=False)
    def articles_page(request: Request) -> Response:
        f = _filters(request)
        off = _offset(request)
        ids = None
        if f["story"]:
            ids = data.story_article_ids(f["story"])
            if ids is None:
                raise HTTPException(404, f"no story {f['story']!r}")
        page = search_articles(store, query=f["q"], outlet=f["outlet"], since=f["since"],
                               until=f["until"], ids=sorted(ids) if ids is not None else None,
                               limit=PAGE, offset=off)
        report = _report(data, {})
        return render("articles.html", request, report, filters=f, total=page.total,
                      offset=off, page=PAGE, found=[a.to_dict() for a in page.items])

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: str) -> Response:
        art = store.get(article_id)
        if art is None:
            raise HTTPException(404, f"no article {article_id!r}")
        items = {
            "claims": [c for c in data.items("claims")
                       if article_id in (c.get("article_ids") or [])],
            "reuse": [r for r in data.items("reuse") if article_id in (r.get("original"),
                                                                      r.get("copy"))],
        }
        report = _report(data, items)
        return render("article.html", request, report, article=art.to_dict())

    @app.get("/upload", response_class=HTMLResponse, include_in_schema=False)
    def upload_form(request: Request) -> Response:
        return render("upload.html", request, _report(data, {}, []), error=None)

    @app.post("/sign-in", include_in_schema=False)
    async def sign_in(request: Request) -> Response:
        """Token servers: the upload page's token, once, for a SameSite=Strict cookie (the
        file upload itself is then authorised before its body is read)."""
        if app.state.token is None:
            return RedirectResponse("/upload", status_code=303)
        # CSRF and Origin as for any form; a small urlencoded body
        if not csrf.valid(request):
            raise HTTPException(403, "CSRF token missing or wrong (reload the page)")
        form = await request.form(max_files=0, max_part_size=4096)
        if not app.state.token_matches(str(form.get("token") or "")):
            page = render("upload.html", request, _report(data, {}, []),
                          error="wrong or missing token")
            page.status_code = 401
            return page
        response = RedirectResponse("/upload", status_code=303)
        csrf.sign_in(response)
        return response

    @app.post("/upload", include_in_schema=False, dependencies=form_write)
    async def upload(request: Request) -> Response:
        async with request.form(max_part_size=app.state.max_upload) as form:
            files = [f for f in form.getlist("files") if hasattr(f, "read") and f.filename]
            if not files:
                page = render("upload.html", request, _report(data, {}, []),
                              error="choose a file first")
                page.status_code = 400
                return page
            job = await app.state.start_upload(files)
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    @app.post("/analyze", include_in_schema=False, dependencies=form_write)
    def analyze(request: Request) -> Response:
        job = app.state.start_analyze()
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    @app.get("/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
    def job_page(request: Request, job_id: str) -> Response:
        job = app.state.jobs.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id!r}")
        return render("job.html", request, _report(data, {}, []), job=job.to_dict())
