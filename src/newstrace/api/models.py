"""The API's request and response shapes, and the OpenAPI text of the bodies its write
routes read themselves (they declare no body parameter, see
:mod:`newstrace.service.deps`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

MAX_URLS = 1000
#: ASCII whitespace spelled out: "\\s" means more characters (U+0085, U+00A0...) to the
#: server's regex engine than to a client's JSON Schema validator, so a URL one
#: accepted the other refused (schemathesis found it); a host with such characters
#: then fails to resolve and is reported per URL, like any dead link
URL_RE = r"^https?://[^ \t\n\r\f\v/]+"
DATE_RE = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


class ErrorOut(BaseModel):
    detail: str


#: the errors any API route may answer with, in every route's OpenAPI entry
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


class ArticlePageOut(PageOut):
    total_capped: bool = Field(
        False, description="more articles match than ``total``: a search counts its "
        "matches up to 10,000")


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


FILES_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array",
                             "items": {"type": "string", "format": "binary"}}}}}}}
URLS_BODY = {"required": True, "content": {"application/json": {
    "schema": UrlsIn.model_json_schema()}}}
