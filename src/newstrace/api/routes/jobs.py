"""Writes and their jobs: ``/api/ingest/files``, ``/api/ingest/urls``, ``/api/analyze``
start a job (202) that ``/api/jobs/{id}`` reports on.

The write routes declare no body parameter and read the body themselves, after their
guard (:data:`~newstrace.service.deps.WRITE_FORM`, ``WRITE_JSON``) has passed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import FormData

from newstrace.api.models import ERRORS, FILES_BODY, URLS_BODY, ErrorOut, JobOut, UrlsIn
from newstrace.service.deps import WRITE_FORM, WRITE_JSON, JobsDep, ServiceDep
from newstrace.service.tasks import start_analyze, start_ingest, start_upload

router = APIRouter(tags=["jobs"], responses=ERRORS)


@router.get("/api/jobs")
def list_jobs(jobs: JobsDep) -> dict[str, Any]:
    items = [j.to_dict() for j in jobs.all()]
    return {"total": len(items), "items": items}


@router.get("/api/jobs/{job_id}", response_model=JobOut)
def get_job(job_id: str, jobs: JobsDep) -> dict[str, Any]:
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id!r}")
    return job.to_dict()


async def _read_form(request: Request, cap: int) -> FormData:
    try:
        return await request.form(max_part_size=cap)
    except HTTPException:
        raise
    except Exception as exc:  # malformed multipart
        raise HTTPException(400, f"could not parse the form: {exc}") from None


@router.post("/api/ingest/files", status_code=202, response_model=JobOut,
             dependencies=[WRITE_FORM], openapi_extra={"requestBody": FILES_BODY},
             summary="Upload article files (text, HTML, archives, feeds) to ingest")
async def ingest_files(request: Request, service: ServiceDep) -> dict[str, Any]:
    form = await _read_form(request, service.max_upload)
    try:
        return (await start_upload(service, form.getlist("files"))).to_dict()
    finally:
        await form.close()


@router.post("/api/ingest/urls", status_code=202, response_model=JobOut,
             dependencies=[WRITE_JSON], openapi_extra={"requestBody": URLS_BODY},
             responses={422: {"model": ErrorOut, "description": "Invalid body"}},
             summary="Fetch and ingest URLs")
async def ingest_urls(request: Request, service: ServiceDep) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = UrlsIn.model_validate_json(raw or b"null")
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors()]) from None
    return start_ingest(service, list(body.urls)).to_dict()


@router.post("/api/analyze", status_code=202, response_model=JobOut,
             dependencies=[WRITE_JSON],
             summary="Analyse the stored articles not analysed yet, store-wide")
def analyze(service: ServiceDep) -> dict[str, Any]:
    return start_analyze(service).to_dict()
