"""Background jobs (ingest, analyze) that a client polls: one worker, in order.

The API and the web UI start the same jobs (:func:`start_upload`, :func:`start_ingest`,
:func:`start_analyze`); a job writes through the corpus facade, and its end drops the
cached view so the next read sees what it stored.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException
from starlette.datastructures import UploadFile

if TYPE_CHECKING:
    from newstrace.service.state import Service

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class Job:
    """One queued or running piece of work, as a client sees it when it polls."""

    def __init__(self, kind: str, total: int | None = None) -> None:
        self.id = uuid.uuid4().hex[:12]
        self.kind = kind
        self.state = "queued"
        self.done = 0
        self.total = total
        self.message = ""
        self.result: dict[str, Any] | None = None
        self.errors: list[dict[str, Any]] = []
        self.created = datetime.now(UTC).isoformat(timespec="seconds")
        self.finished: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "state": self.state, "done": self.done,
                "total": self.total, "message": self.message, "result": self.result,
                "errors": self.errors, "created": self.created, "finished": self.finished}


class Jobs:
    """The jobs of this process, run one at a time (the store has one writer), the last
    ``keep`` finished ones remembered for polling."""

    def __init__(self, on_change: Callable[[], None] = lambda: None, keep: int = 200) -> None:
        self._jobs: dict[str, Job] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._on_change = on_change
        self._keep = keep

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        """Newest first."""
        return sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)

    def submit(self, job: Job, fn: Callable[[Job], dict[str, Any]], *,
               cleanup: str | None = None) -> Job:
        """Queue ``fn(job)``; its return value is the job's result. ``cleanup``: a folder
        removed when the job ends (an upload's files)."""
        with self._lock:
            self._jobs[job.id] = job
            for old in list(self._jobs)[: max(0, len(self._jobs) - self._keep)]:
                if self._jobs[old].state in ("done", "failed"):
                    del self._jobs[old]

        def run() -> None:
            job.state = "running"
            try:
                job.result = fn(job)
                job.state = "done"
            except Exception as exc:
                job.state = "failed"
                job.message = f"{type(exc).__name__}: {exc}"
            finally:
                job.finished = datetime.now(UTC).isoformat(timespec="seconds")
                if cleanup:
                    shutil.rmtree(cleanup, ignore_errors=True)
                self._on_change()

        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newstrace-job")
            self._pool.submit(run)
        return job

    def shutdown(self, wait: bool = False) -> None:
        """Cancel queued jobs; ``wait`` for the running one to end."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)


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
    from newstrace.pipeline import STAGES

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
