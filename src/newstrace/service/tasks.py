"""The jobs the API and the web UI start: ingest paths or URLs, ingest an upload, and
analyse what is pending; each writes through the corpus facade of the service.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import HTTPException
from starlette.datastructures import UploadFile

from newstrace.registry import STAGES
from newstrace.service.jobs import Job
from newstrace.service.state import Service

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def start_ingest(service: Service, inputs: Sequence[str], *, total: int | None = None,
                 cleanup: str | None = None) -> Job:
    """Ingest ``inputs`` (paths on the server, URLs) without analysing them: analysis is
    a job of its own, started when the user asks."""
    def work(job: Job) -> dict[str, Any]:
        def step(_source: str) -> None:
            job.done += 1
        added = service.corpus.add(list(inputs), analyze=False, progress=step)
        job.errors = [e.to_dict() for e in added.errors]
        return added.to_dict()

    job = Job("ingest", total=len(inputs) if total is None else total)
    return service.jobs.submit(job, work, cleanup=cleanup)


async def start_upload(service: Service, files: list[Any]) -> Job:
    """Save uploaded files to a private folder and ingest it; 413 as soon as the files
    together pass the cap (counted while they are copied, nothing is kept then)."""
    uploads = [f for f in files if isinstance(f, UploadFile)]
    if not uploads:
        raise HTTPException(400, "no files uploaded")
    cap = service.max_upload
    tmp = tempfile.mkdtemp(prefix="newstrace-upload-")
    total = 0
    try:
        for i, up in enumerate(uploads):
            name = _SAFE_NAME.sub("_", Path(up.filename or f"upload-{i}").name)[:120]
            name = name.lstrip(".") or f"upload-{i}"
            target = Path(tmp) / f"{i:04d}_{name}"
            with target.open("wb") as out:
                while chunk := await up.read(1 << 20):
                    total += len(chunk)
                    if total > cap:
                        raise HTTPException(413, f"upload too large (over {cap} bytes)")
                    out.write(chunk)
            await up.close()  # its spooled copy goes now
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return start_ingest(service, [tmp], total=len(uploads), cleanup=tmp)


def start_analyze(service: Service) -> Job:
    """Analyse what is new: the articles no analysis has placed yet, and the scopes they
    join; the stages' outcome is recorded for the view's status."""
    def work(job: Job) -> dict[str, Any]:
        job.total = len(STAGES)

        def step(stage: str, phase: str) -> None:
            job.message = f"{stage}: {phase}"
            if phase == "done":
                job.done += 1
        run = service.corpus.analyze(progress=step)
        service.view.record_status(run.analyses)
        return {"articles": len(run.article_ids), "analyses": run.analyses}

    return service.jobs.submit(Job("analyze"), work)
