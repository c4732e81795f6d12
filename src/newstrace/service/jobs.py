"""Background jobs that a client polls: one worker, in order.

What the jobs do (ingest, upload, analyze) is in :mod:`newstrace.service.tasks`; a job's
end drops the cached view so the next read sees what it stored.
"""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any


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
