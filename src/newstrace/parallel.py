"""Sharing one large job between this process and helper processes.

The analysis stages are bound by models that run on one core (the sentence encoder,
spaCy's parser). A large job is cut into parts: this process takes the first, and
then whoever is free (this process or a helper) takes the next part no one has started;
the results come back in order.

    >>> share(len, [[1, 2], [3]], helpers=0)
    [2, 1]

Helpers come from a fork server (safe beside threads: the web server runs jobs in
them), one pool per kind of job, kept for later jobs because a helper's start with
its model costs 1-2 s, and stopped at exit. How many processes share a job is the
``processes`` setting (:mod:`newstrace.settings`: default 2, or 1 on a one-core machine);
helpers start with the settings of the process that starts them.
"""

from __future__ import annotations

import atexit
import functools
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

from newstrace import settings

log = logging.getLogger(__name__)

P = TypeVar("P")
R = TypeVar("R")

def processes() -> int:
    """Processes that share a large job, this one included (the ``processes`` setting)."""
    return settings.current().processes


def blas_threads() -> int:
    """BLAS threads a process uses for matrix products (the sentence encoder, spaCy's
    layers): the ``blas_threads`` setting. More than one a process on a 2-core machine
    made every product spin-wait (the encoder: 25 sentences/s against 273 with one
    thread), and one a process leaves the other cores to the helpers."""
    return settings.current().blas_threads


def blas_limit() -> Any:
    """A context that holds this process's BLAS libraries to :func:`blas_threads` threads.

    The loaded libraries are found once per process: ``threadpoolctl.threadpool_limits``
    scans them on every call (~1.4 ms, more than a one-sentence parse).
    """
    return _blas_controller().limit(limits=blas_threads(), user_api="blas")


@functools.cache
def _blas_controller() -> Any:
    import numpy  # noqa: F401  (its BLAS must be loaded to be found)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def keep_loaded() -> None:
    """Take every object alive now (a model just loaded: ~100,000 of them for spaCy's)
    out of the garbage collector's full passes: they live as long as the process, and
    each full pass read them all (0.125 s of 8.8 on 100 PolNeAR articles' parse)."""
    import gc

    gc.freeze()


_pools: dict[str, Any] = {}
_lock = threading.Lock()


def _pool(kind: str, size: int) -> Any:
    """The helper pool for ``kind`` of job, started on first use; a broken one is replaced."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with _lock:
        pool = _pools.get(kind)
        if pool is None or getattr(pool, "_broken", False):
            pool = ProcessPoolExecutor(size, mp_context=multiprocessing.get_context("forkserver"),
                                       initializer=settings.adopt,
                                       initargs=(settings.current().as_dict(),))
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
    """``[fn(part) for part in parts]``: the first part here, the others in turn to
    whoever is free first, a helper or this process. With parts that shrink towards the
    end, nobody waits long for the others (a helper whose memories are colder, a part
    with more work in it than its size says): on 200 PolNeAR articles the two
    processes end within ~0.1 s of each other.

    ``fn`` must be a module-level function and parts and results picklable. If the
    helpers fail (a script without an ``if __name__ == "__main__":`` guard, whose
    helpers die re-importing it; a job still running at interpreter shutdown), this
    process does the whole job: slower, not wrong. An exception raised by ``fn``
    itself propagates.
    """
    from concurrent.futures.process import BrokenProcessPool

    helpers = processes() - 1 if helpers is None else helpers
    if helpers < 1 or len(parts) < 2:
        return [fn(part) for part in parts]
    try:
        pool = _pool(kind or f"{fn.__module__}.{fn.__qualname__}", helpers)
        return _shared(pool, fn, parts, helpers)
    except (BrokenProcessPool, OSError, RuntimeError) as exc:
        # RuntimeError: a job thread still running while the interpreter shuts down
        # ("cannot schedule new futures after interpreter shutdown")
        log.warning("working in one process: helper processes failed (%s)", exc)
        return [fn(part) for part in parts]


def _shared(pool: Any, fn: Callable[[P], R], parts: Sequence[P], helpers: int) -> list[R]:
    """:func:`share`'s schedule. A helper is handed its next part only when it is done
    with one (a pool queues ahead: a part queued to a busy helper could not be taken
    back); this process takes its next one when done with its own, both in order."""
    results: dict[int, Any] = {}  # part index -> its future, or its result here
    lock = threading.RLock()  # a part already done calls back at once, lock held
    front = 1  # the next part no one has started

    def hand_out(_: Any = None) -> None:
        nonlocal front
        with lock:
            if front < len(parts):
                results[front] = pool.submit(fn, parts[front])
                results[front].add_done_callback(hand_out)
                front += 1

    for _ in range(helpers):
        hand_out()
    results[0] = fn(parts[0])
    while True:
        with lock:
            if front == len(parts):
                break
            n, front = front, front + 1
        results[n] = fn(parts[n])
    with lock:
        pending = list(results.items())
    return [value.result() if isinstance(value, Future) else value
            for _, value in sorted(pending, key=lambda item: item[0])]


def shrinking_parts(sizes: Sequence[int], processes: int, smallest: int) -> list[range]:
    """Contiguous runs of items (of ``sizes``) for :func:`share`, shrinking towards the end.

    Each run takes about ``1 / (2 * processes)`` of the size still left, and at least
    ``smallest`` items: the first runs are large (few calls, large model batches), the
    last ones small, so whoever finishes first takes little work from the others.

    >>> [len(r) for r in shrinking_parts([1] * 40, 2, 3)]
    [10, 8, 6, 4, 3, 3, 3, 3]
    """
    left = sum(sizes)
    runs: list[range] = []
    start = 0
    while start < len(sizes):
        target, end, taken = left / (2 * processes), start, 0
        while end < len(sizes) and (end - start < smallest or taken + sizes[end] / 2 <= target):
            taken += sizes[end]
            end += 1
        runs.append(range(start, end))
        left -= taken
        start = end
    return runs


settings.on_change(stop_helpers)  # helpers started with other settings must not serve on
