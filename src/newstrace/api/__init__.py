"""The HTTP API (FastAPI routers): ingest jobs, articles with search, and every analysis
result.

The routers (:data:`ROUTERS`, one module per resource in :mod:`newstrace.api.routes`)
read through the library facade and get it, the jobs and the write guards from the
shared dependencies of :mod:`newstrace.service.deps`; the app is assembled, with the
web UI, by :func:`newstrace.server.create_app`. This package imports neither.
"""

from newstrace.api.openapi import install
from newstrace.api.routes import ROUTERS

__all__ = ["ROUTERS", "install"]
