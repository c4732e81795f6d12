"""The web UI: the dossier's views over the live store, with search, filters and upload.

Server-rendered Jinja2 (autoescaped; the dossier's partial templates are reused)
plus one small vendored script (``static/app.js``) that polls a job's progress. It
reads through the library facade and the shared dependencies of
:mod:`newstrace.service.deps`, never through the HTTP API.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from newstrace.web.views import compile_templates, router


def mount_web(app: FastAPI) -> None:
    """Add the UI's pages and its static files to ``app`` (whose ``app.state.service``
    the pages' dependencies read), its templates compiled. The static files are a
    mount of the app: a router's mounts are not carried over by ``include_router``."""
    compile_templates()
    app.include_router(router)
    app.mount("/static", StaticFiles(packages=[("newstrace.web", "static")]), name="static")


__all__ = ["mount_web", "router"]
