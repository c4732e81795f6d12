"""The server's background jobs as rows of ``jobs`` (migration 0008), so that every
worker process of one server answers a poll of any job.

    >>> from newstrace.store import Store
    >>> store = Store.open(":memory:")
    >>> save_job(store, {"id": "j1", "created": "2026-12-03T10:00:00", "state": "queued"})
    >>> load_job(store, "j1")["state"], load_job(store, "nope")
    ('queued', None)

Writing a job does not change the store's generation: progress is not content.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from newstrace.store.schema import jobs
from newstrace.store.store import Store


def save_job(store: Store, data: dict[str, Any]) -> None:
    """Insert or replace the job ``data`` (a :meth:`Job.to_dict`, with ``id`` and
    ``created``)."""
    row = {"id": data["id"], "created": data["created"], "data": data}
    with store._write() as conn:
        conn.execute(store._insert(jobs).values(**row).on_conflict_do_update(
            index_elements=[jobs.c.id], set_={"data": data}))


def load_job(store: Store, job_id: str) -> dict[str, Any] | None:
    with store.engine.connect() as conn:
        found = conn.execute(select(jobs.c.data).where(jobs.c.id == job_id)).scalar()
    return dict(found) if found is not None else None


def recent_jobs(store: Store, limit: int = 200) -> list[dict[str, Any]]:
    """The newest ``limit`` jobs, newest first."""
    stmt = select(jobs.c.data).order_by(jobs.c.created.desc(), jobs.c.id.desc()).limit(limit)
    with store.engine.connect() as conn:
        return [dict(d) for d in conn.execute(stmt).scalars()]


def forget_jobs(store: Store, keep: int = 200) -> None:
    """Delete all but the newest ``keep`` jobs."""
    kept = select(jobs.c.id).order_by(jobs.c.created.desc(), jobs.c.id.desc()).limit(keep)
    with store._write() as conn:
        conn.execute(delete(jobs).where(jobs.c.id.not_in(kept.scalar_subquery())))
