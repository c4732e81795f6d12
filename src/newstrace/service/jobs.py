"""Background jobs that a client polls: one worker, in order.

What the jobs do (ingest, upload, analyze) is in :mod:`newstrace.service.tasks`; a job's
end drops the cached view so the next read sees what it stored. Given a store, each
job's state is kept in it as it changes (:mod:`newstrace.store.jobs`): the other worker
processes of a server (``newstrace serve --workers N``) answer polls of it too.
"""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newstrace.store import Store

log = logging.getLogger(__name__)

#: seconds between two publications of a running job's progress to the store
PUBLISH_EVERY = 1.0


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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        """A job as another process published it."""
        job = cls(data["kind"], data.get("total"))
        for key in ("id", "state", "done", "message", "result", "errors", "created",
                    "finished"):
            setattr(job, key, data.get(key, getattr(job, key)))
        return job


class Jobs:
    """The jobs of this process, run one at a time (the store has one writer), the last
    ``keep`` finished ones remembered for polling."""

    def __init__(self, on_change: Callable[[], None] = lambda: None, keep: int = 200,
                 store: Store | None = None) -> None:
        self._jobs: dict[str, Job] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._on_change = on_change
        self._keep = keep
        self._store = store

    def get(self, job_id: str) -> Job | None:
        """This process's job, or the one another worker published."""
        job = self._jobs.get(job_id)
        if job is None and self._store is not None:
            from newstrace.store.jobs import load_job

            data = load_job(self._store, job_id)
            job = Job.from_dict(data) if data else None
        return job

    def all(self) -> list[Job]:
        """Newest first: this process's jobs, and the other workers' as published."""
        found = dict(self._jobs)
        if self._store is not None:
            from newstrace.store.jobs import recent_jobs

            for data in recent_jobs(self._store, self._keep):
                found.setdefault(data["id"], Job.from_dict(data))
        return sorted(found.values(), key=lambda j: j.created, reverse=True)[: self._keep]

    def _publish(self, job: Job) -> None:
        if self._store is None:
            return
        from newstrace.store.jobs import forget_jobs, save_job

        try:
            save_job(self._store, job.to_dict())
            if job.finished:
                forget_jobs(self._store, self._keep)
        except Exception:  # polling elsewhere lags; the job itself goes on
            log.warning("could not publish job %s to the store", job.id, exc_info=True)

    def _publish_progress(self, job: Job, stop: threading.Event) -> None:
        last: dict[str, Any] = {}
        while not stop.wait(PUBLISH_EVERY):
            now = job.to_dict()
            if now != last:
                self._publish(job)
                last = now

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
            self._publish(job)
            stop = threading.Event()
            ticker = threading.Thread(target=self._publish_progress, args=(job, stop),
                                      daemon=True, name=f"newstrace-job-{job.id}")
            ticker.start()
            try:
                job.result = fn(job)
                job.state = "done"
            except Exception as exc:
                job.state = "failed"
                job.message = f"{type(exc).__name__}: {exc}"
            finally:
                stop.set()
                ticker.join()
                job.finished = datetime.now(UTC).isoformat(timespec="seconds")
                if cleanup:
                    shutil.rmtree(cleanup, ignore_errors=True)
                self._publish(job)
                self._on_change()

        self._publish(job)
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
