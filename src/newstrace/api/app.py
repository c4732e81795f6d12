"""FastAPI app factory: ``create_app(store_url, token=..., max_upload_bytes=...)``.

Reads are open; writes (ingest, analyze) need ``Authorization: Bearer <token>``
when the app has a token, and form/multipart writes without one a CSRF token. Every
response carries a strict CSP (see :mod:`newstrace.api.security`).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile as StarletteUpload

from newstrace import __version__
from newstrace.api.data import STATUS_STATE, Data
from newstrace.api.jobs import Job, Jobs
from newstrace.api.security import CSP, Csrf, Guard
from newstrace.report.dossier import provenance_graph
from newstrace.store import Store
from newstrace.store.search import outlets, search_articles


def public_article(article: dict[str, Any]) -> dict[str, Any]:
    """An article as the API shows it: a ``source`` that is a path on the server (a
    folder ingested there, an upload's temporary file) is cut to its file name, so the
    server's layout is not shown to clients; URLs stay whole.

    >>> public_article({"source": "/srv/uploads/tmp3x/cnn.html#record-2"})["source"]
    'cnn.html#record-2'
    >>> public_article({"source": "https://example.com/a"})["source"]
    'https://example.com/a'
    """
    source = article.get("source")
    if isinstance(source, str) and "://" not in source:
        return {**article, "source": Path(source).name}
    return article


DEFAULT_MAX_UPLOAD = 50 * 1024 * 1024
MAX_URLS = 1000
__all__ = ["CSP", "app_from_env", "create_app"]
#: ASCII whitespace spelled out: "\\s" means more characters (U+0085, U+00A0...) to the
#: server's regex engine than to a client's JSON Schema validator, so a URL one
#: accepted the other refused (schemathesis found it); a host with such characters
#: then fails to resolve and is reported per URL, like any dead link
URL_RE = r"^https?://[^ \t\n\r\f\v/]+"
DATE_RE = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class ErrorOut(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Bad request"},
    401: {"model": ErrorOut, "description": "Token missing or wrong"},
    403: {"model": ErrorOut, "description": "Cross-origin request or CSRF token missing"},
    404: {"model": ErrorOut, "description": "Not found"},
    413: {"model": ErrorOut, "description": "Body too large"},
    415: {"model": ErrorOut, "description": "Wrong Content-Type"},
}


class PageOut(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


class UrlsIn(BaseModel):
    urls: list[Annotated[str, Field(pattern=URL_RE, max_length=4000)]] = Field(
        min_length=1, max_length=MAX_URLS)


class JobOut(BaseModel):
    id: str
    kind: str
    state: str
    done: int
    total: int | None
    message: str
    result: dict[str, Any] | None
    errors: list[dict[str, Any]]
    created: str
    finished: str | None


def _check_date(value: str | None, name: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        raise HTTPException(400, f"{name} must be a date YYYY-MM-DD, got {value!r}") from None
    return value


class Filters:
    def __init__(
        self,
        since: Annotated[str | None, Query(pattern=DATE_RE,
                                           description="earliest date, YYYY-MM-DD")] = None,
        until: Annotated[str | None, Query(pattern=DATE_RE,
                                           description="latest date, YYYY-MM-DD")] = None,
        outlet: Annotated[str | None, Query(max_length=500)] = None,
        story: Annotated[str | None, Query(max_length=200, description="a story id")] = None,
    ) -> None:
        self.since = since or None  # compared as text with stored ISO dates
        self.until = until or None
        self.outlet = outlet or None
        self.story = story or None

    def kwargs(self) -> dict[str, Any]:
        return {"outlet": self.outlet, "since": self.since, "until": self.until,
                "story": self.story}


Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def _json(body: Any) -> Response:
    """``body`` as JSON, as is: what the routes return is plain JSON data already, and
    FastAPI's re-validation and re-encoding of every item cost more than the lookup."""
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    media_type="application/json")


def _page(items: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    return {"total": len(items), "limit": limit, "offset": offset,
            "items": items[offset : offset + limit]}


FILES_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array",
                             "items": {"type": "string", "format": "binary"}}}}}}}
URLS_BODY = {"required": True, "content": {"application/json": {
    "schema": UrlsIn.model_json_schema()}}}


def create_app(store_url: str | None, *, token: str | None = None,
               max_upload_bytes: int = DEFAULT_MAX_UPLOAD, web: bool = True,
               allowed_hosts: Iterable[str] = ()) -> FastAPI:
    """The API (and, with ``web``, the web UI) over the store at ``store_url``.

    ``allowed_hosts``: names besides ``localhost`` (and any IP address) that may appear
    in the Host header, e.g. the name the server is bound to; others get 400.
    """
    store = Store.open(store_url)
    data = Data(store)
    jobs = Jobs(on_change=data.invalidate)
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()
        store.close()

    app = FastAPI(title="newstrace", lifespan=lifespan, version=__version__, docs_url=None,
                  redoc_url=None, responses=ERRORS,
                  description="Trace news claims to their origin: articles, stories, claims, "
                              "reuse, provenance. Write endpoints need a bearer token when set.")
    app.state.store, app.state.data, app.state.jobs = store, data, jobs
    app.state.token, app.state.max_upload = token, max_upload_bytes

    # the store's secret: the workers of one server (uvicorn --workers N) check each
    # other's tokens and sign-ins
    app.state.csrf = csrf = Csrf(store.shared_secret("web.csrf"))
    app.add_middleware(Guard, max_upload=max_upload_bytes, allowed_hosts=allowed_hosts)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                  for e in exc.errors()]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        return JSONResponse({"detail": f"{where}: {first['msg']}", "errors": errors},
                            status_code=422)

    def token_matches(given: str) -> bool:
        return bool(given) and secrets.compare_digest(given.encode(),
                                                      app.state.token.encode())

    def allowed(kind: Literal["json", "form"]) -> Callable[[Request], None]:
        """The one auth check of every write route, run before its body is read.

        With a token configured: a valid bearer token, or (form routes of the web UI
        only) the sign-in cookie. ``json`` routes need ``Content-Type: application/json``
        when they have a body (a form can send no such type cross-origin); ``form``
        routes need the CSRF token, unless authorised by the bearer header.
        """
        def check(request: Request) -> None:
            bearer = False
            if app.state.token is not None:
                auth = request.headers.get("authorization", "")
                bearer = auth.startswith("Bearer ") and token_matches(
                    auth.removeprefix("Bearer ").strip())
                if not bearer and not (kind == "form" and not auth
                                       and csrf.signed_in(request)):
                    raise HTTPException(401, "a valid 'Authorization: Bearer <token>' "
                                             "header is needed",
                                        headers={"WWW-Authenticate": "Bearer"})
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind == "json":
                has_body = (request.headers.get("content-length", "0") != "0"
                            or "transfer-encoding" in request.headers)
                if (ctype or has_body) and ctype != "application/json":
                    raise HTTPException(415, "Content-Type must be application/json")
                return
            if ctype not in ("multipart/form-data", "application/x-www-form-urlencoded"):
                raise HTTPException(415, "Content-Type must be multipart/form-data")
            if not bearer and not csrf.valid(request):
                raise HTTPException(403, "CSRF token missing or wrong (send the "
                                         "'X-CSRF-Token' header from GET /api/csrf, or "
                                         "the bearer token)")
        return check

    app.state.allowed, app.state.token_matches = allowed, token_matches
    json_write = [Depends(allowed("json"))]
    form_write = [Depends(allowed("form"))]

    # -- meta ---------------------------------------------------------------------------------
    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, Any]:
        return {"ok": True, "version": __version__, "articles": store.count(),
                "analyses": data.status()}

    @app.get("/api/csrf", tags=["meta"], summary="A CSRF token (and its cookie) for uploads")
    def csrf_token(request: Request, response: Response) -> dict[str, Any]:
        return {"csrf_token": csrf.issue(request, response), "header": "X-CSRF-Token"}

    @app.get("/api/outlets", tags=["meta"])
    def list_outlets() -> dict[str, Any]:
        names = outlets(store)
        return {"total": len(names), "items": names}

    # -- articles -----------------------------------------------------------------------------
    @app.get("/api/articles", response_model=PageOut, tags=["articles"])
    def list_articles(
        f: Annotated[Filters, Depends()],
        q: Annotated[str | None, Query(max_length=500, description="full-text search")] = None,
        limit: Limit = 50, offset: Offset = 0, text: bool = False,
    ) -> dict[str, Any]:
        ids = None
        if f.story:
            ids = data.story_article_ids(f.story)
            if ids is None:
                raise HTTPException(404, f"no story {f.story!r}")
        page = search_articles(store, query=q, outlet=f.outlet, since=f.since, until=f.until,
                               ids=sorted(ids) if ids is not None else None,
                               limit=limit, offset=offset)
        items = []
        for a in page.items:
            d = public_article(a.to_dict())
            if not text:
                d["text"] = d["text"][:300]
                d.pop("boilerplate")
            items.append(d)
        return {"total": page.total, "limit": limit, "offset": offset, "items": items}

    @app.get("/api/articles/{article_id}", tags=["articles"])
    def get_article(article_id: str) -> dict[str, Any]:
        art = store.get(article_id)
        if art is None:
            raise HTTPException(404, f"no article {article_id!r}")
        return public_article(art.to_dict())

    # -- analyses -----------------------------------------------------------------------------
    def listing(kind: str, f: Filters, limit: int, offset: int) -> Response:
        if f.story and data.story_article_ids(f.story) is None:
            raise HTTPException(404, f"no story {f.story!r}")
        return _json(_page(data.filtered(kind, **f.kwargs()), limit, offset))

    def one(kind: str, item_id: str) -> Response:
        item = data.by_id(kind).get(item_id)
        if item is None:
            raise HTTPException(404, f"no {kind} item {item_id!r}")
        return _json(item)

    for kind in ("stories", "claims", "entities", "reuse", "citations", "anomalies"):
        def make(kind: str = kind) -> None:
            @app.get(f"/api/{kind}", response_model=PageOut, tags=["analyses"],
                     name=f"list_{kind}", summary=f"List {kind}")
            def list_kind(f: Annotated[Filters, Depends()], limit: Limit = 50,
                          offset: Offset = 0) -> Response:
                return listing(kind, f, limit, offset)

            @app.get(f"/api/{kind}/{{item_id}}", tags=["analyses"], name=f"get_{kind}",
                     response_model=dict[str, Any],
                     summary=f"One of {kind}")
            def get_kind(item_id: str) -> Response:
                return one(kind, item_id)
        make()

    @app.get("/api/events", response_model=PageOut, tags=["analyses"])
    def list_events(f: Annotated[Filters, Depends()], limit: Limit = 50,
                    offset: Offset = 0) -> Response:
        if f.story and data.story_article_ids(f.story) is None:
            raise HTTPException(404, f"no story {f.story!r}")
        return _json(_page(data.events(**f.kwargs()), limit, offset))

    @app.get("/api/graph", tags=["analyses"], summary="The provenance graph")
    def graph() -> dict[str, Any]:
        return provenance_graph(data.report())

    @app.get("/api/report", tags=["analyses"], summary="The whole report.json")
    def report() -> dict[str, Any]:
        whole = data.report()
        whole["articles"] = [public_article(a) for a in whole.get("articles") or []]
        return whole

    # -- jobs ---------------------------------------------------------------------------------
    @app.get("/api/jobs", tags=["jobs"])
    def list_jobs() -> dict[str, Any]:
        items = [j.to_dict() for j in jobs.all()]
        return {"total": len(items), "items": items}

    @app.get("/api/jobs/{job_id}", response_model=JobOut, tags=["jobs"])
    def get_job(job_id: str) -> dict[str, Any]:
        job = jobs.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id!r}")
        return job.to_dict()

    def run_ingest(paths: list[str]) -> Any:
        from newstrace.pipeline import ingest

        def work(job: Job) -> dict[str, Any]:
            def step(_source: str) -> None:
                job.done += 1
            summary = ingest(paths, store, progress=step)
            job.errors = [e.to_dict() for e in summary.errors]
            return summary.to_dict() | {"article_ids": summary.article_ids}
        return work

    async def start_upload(files: list[Any]) -> Job:
        files = [f for f in files if isinstance(f, StarletteUpload)]
        if not files:
            raise HTTPException(400, "no files uploaded")
        tmp = tempfile.mkdtemp(prefix="newstrace-upload-")
        total = 0
        try:
            for i, up in enumerate(files):
                name = _SAFE_NAME.sub("_", Path(up.filename or f"upload-{i}").name)[:120]
                name = name.lstrip(".") or f"upload-{i}"
                target = Path(tmp) / f"{i:04d}_{name}"
                with target.open("wb") as out:
                    while chunk := await up.read(1 << 20):
                        total += len(chunk)
                        if total > max_upload_bytes:
                            raise HTTPException(413, f"upload too large (over "
                                                     f"{max_upload_bytes} bytes)")
                        out.write(chunk)
                await up.close()  # its spooled copy goes now
        except BaseException:
            import shutil
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        job = Job("ingest", total=len(files))
        return jobs.submit(job, run_ingest([tmp]), cleanup=tmp)

    app.state.start_upload = start_upload

    async def read_form(request: Request) -> Any:
        try:
            return await request.form(max_part_size=max_upload_bytes)
        except HTTPException:
            raise
        except Exception as exc:  # malformed multipart
            raise HTTPException(400, f"could not parse the form: {exc}") from None

    # the write routes declare no body parameter: FastAPI would read (and spool to disk)
    # a body before running the dependencies; here the auth check runs first
    @app.post("/api/ingest/files", status_code=202, response_model=JobOut, tags=["jobs"],
              dependencies=form_write, openapi_extra={"requestBody": FILES_BODY},
              summary="Upload article files (text, HTML, archives, feeds) to ingest")
    async def ingest_files(request: Request) -> dict[str, Any]:
        form = await read_form(request)
        try:
            return (await start_upload(form.getlist("files"))).to_dict()
        finally:
            await form.close()

    @app.post("/api/ingest/urls", status_code=202, response_model=JobOut, tags=["jobs"],
              dependencies=json_write, openapi_extra={"requestBody": URLS_BODY},
              responses={422: {"model": ErrorOut, "description": "Invalid body"}},
              summary="Fetch and ingest URLs")
    async def ingest_urls(request: Request) -> dict[str, Any]:
        raw = await request.body()
        try:
            body = UrlsIn.model_validate_json(raw or b"null")
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors()]) from None
        job = Job("ingest", total=len(body.urls))
        return jobs.submit(job, run_ingest(list(body.urls))).to_dict()

    @app.post("/api/analyze", status_code=202, response_model=JobOut, tags=["jobs"],
              dependencies=json_write,
              summary="Analyse the stored articles not analysed yet, store-wide")
    def analyze() -> dict[str, Any]:
        return start_analyze().to_dict()

    def start_analyze() -> Job:
        from newstrace.pipeline import STAGES, analyze_pending

        def work(job: Job) -> dict[str, Any]:
            job.total = len(STAGES)

            def step(stage: str, phase: str) -> None:
                job.message = f"{stage}: {phase}"
                if phase == "done":
                    job.done += 1
            # only what is new: the articles no analysis has placed yet, and the scopes
            # they join
            run = analyze_pending(store, progress=step)
            store.save_state(STATUS_STATE, {"status": run.status})
            return {"articles": len(run.articles), "analyses": run.status}
        return jobs.submit(Job("analyze"), work)

    app.state.start_analyze = start_analyze

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi
            spec = get_openapi(title=app.title, version=app.version,
                               description=app.description, routes=app.routes)
            # our 422 body: one readable message plus the per-field list
            spec.setdefault("components", {}).setdefault("schemas", {})[
                "HTTPValidationError"] = {
                "type": "object", "title": "HTTPValidationError", "required": ["detail"],
                "properties": {"detail": {"type": "string"},
                               "errors": {"type": "array", "items": {"type": "object"}}}}
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    if web:
        from newstrace.web import mount_web
        mount_web(app)
    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory newstrace.api.app:app_from_env``."""
    return create_app(os.environ.get("NEWSTRACE_DB"), token=os.environ.get("NEWSTRACE_TOKEN"))
