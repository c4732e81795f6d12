"""The HTTP API (FastAPI): ingest jobs, articles with search, and every analysis result."""

from newstrace.api.app import create_app

__all__ = ["create_app"]
