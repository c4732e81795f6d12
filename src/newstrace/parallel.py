"""Sharing one large job between this process and helper processes.

The analysis stages are bound by models that run on one core (the sentence encoder,
spaCy's parser). A large job is cut into parts: helper processes take all but the
first, this process takes the first, and the results come back in order.

    >>> share(len, [[1, 2], [3]], helpers=0)
    [2, 1]

Helpers come from a fork server (safe beside threads: the web server runs jobs in
them), one pool per kind of job, kept for later jobs because a helper's start with
its model costs 1-2 s, and stopped at exit. ``NEWSTRACE_PROCESSES`` sets how many
processes share a job (default: 2, or 1 on a one-core machine).
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

log = logging.getLogger(__name__)

P = TypeVar("P")
R = TypeVar("R")

#: Processes that share a large job, this one included.
PROCESSES = max(1, int(os.environ.get("NEWSTRACE_PROCESSES", str(min(2, os.cpu_count() or 1)))))

#: BLAS threads a process uses for matrix products (the sentence encoder, spaCy's layers).
#: More than one a process on a 2-core machine made every product spin-wait (the encoder:
#: 25 sentences/s against 273 with one thread), and one a process leaves the other cores
#: to the helpers. ``NEWSTRACE_BLAS_THREADS`` changes it.
BLAS_THREADS = max(1, int(os.environ.get("NEWSTRACE_BLAS_THREADS", "1")))


def blas_limit() -> Any:
    """A context that holds this process's BLAS libraries to :data:`BLAS_THREADS` threads.

    The loaded libraries are found once per process: ``threadpoolctl.threadpool_limits``
    scans them on every call (~1.4 ms, more than a one-sentence parse).
    """
    return _blas_controller().limit(limits=BLAS_THREADS, user_api="blas")


@functools.cache
def _blas_controller() -> Any:
    import numpy  # noqa: F401  (its BLAS must be loaded to be found)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


_pools: dict[str, Any] = {}
_lock = threading.Lock()


def _pool(kind: str, size: int) -> Any:
    """The helper pool for ``kind`` of job, started on first use; a broken one is replaced."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with _lock:
        pool = _pools.get(kind)
        if pool is None or getattr(pool, "_broken", False):
            pool = ProcessPoolExecutor(size, mp_context=multiprocessing.get_context("forkserver"))
            _pools[kind] = pool
            if len(_pools) == 1:
                atexit.register(stop_helpers)
        return pool


def stop_helpers() -> None:
    """Stop every helper process (at exit, before the interpreter tears modules down,
    which the pools' own clean-up trips on)."""
    with _lock:
        for pool in _pools.values():
            pool.shutdown(wait=True, cancel_futures=True)
        _pools.clear()


def share(fn: Callable[[P], R], parts: Sequence[P], *, helpers: int | None = None,
          kind: str | None = None) -> list[R]:
    """``[fn(part) for part in parts]``, all parts but the first in helper processes.

    ``fn`` must be a module-level function and parts and results picklable. If the
    helpers fail (a script without an ``if __name__ == "__main__":`` guard, whose
    helpers die re-importing it; a job still running at interpreter shutdown), this
    process does the whole job: slower, not wrong. An exception raised by ``fn``
    itself propagates.
    """
    from concurrent.futures.process import BrokenProcessPool

    helpers = PROCESSES - 1 if helpers is None else helpers
    if helpers < 1 or len(parts) < 2:
        return [fn(part) for part in parts]
    try:
        pool = _pool(kind or f"{fn.__module__}.{fn.__qualname__}", helpers)
        futures = [pool.submit(fn, part) for part in parts[1:]]
        first = fn(parts[0])
        return [first, *(future.result() for future in futures)]
    except (BrokenProcessPool, OSError, RuntimeError) as exc:
        # RuntimeError: a job thread still running while the interpreter shuts down
        # ("cannot schedule new futures after interpreter shutdown")
        log.warning("working in one process: helper processes failed (%s)", exc)
        return [fn(part) for part in parts]
