"""The API's 422 answer and the OpenAPI spec that describes it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse


async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A validation error as one readable ``detail`` line (the first problem) plus the
    per-field list, instead of FastAPI's list-valued ``detail``: every other error of
    the API has a string ``detail``, so clients read one shape."""
    errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
              for e in exc.errors()]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    return JSONResponse({"detail": f"{where}: {first['msg']}", "errors": errors},
                        status_code=422)


def openapi_schema(app: FastAPI) -> dict[str, Any]:
    """``app``'s spec, built once, with the 422 body of :func:`invalid_request`."""
    if app.openapi_schema is None:
        spec = get_openapi(title=app.title, version=app.version,
                           description=app.description, routes=app.routes)
        spec.setdefault("components", {}).setdefault("schemas", {})[
            "HTTPValidationError"] = {
            "type": "object", "title": "HTTPValidationError", "required": ["detail"],
            "properties": {"detail": {"type": "string"},
                           "errors": {"type": "array", "items": {"type": "object"}}}}
        app.openapi_schema = spec
    return app.openapi_schema


def install(app: FastAPI) -> None:
    """Give ``app`` the API's 422 answer and its spec."""
    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
    app.openapi = lambda: openapi_schema(app)  # type: ignore[method-assign]
