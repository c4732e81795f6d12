"""The API's routers, one per resource, in the order of the OpenAPI spec."""

from __future__ import annotations

from fastapi import APIRouter

from newstrace.api.routes import analyses, articles, jobs, meta

ROUTERS: tuple[APIRouter, ...] = (meta.router, articles.router, analyses.router, jobs.router)

__all__ = ["ROUTERS"]
