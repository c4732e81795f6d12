"""Sharing a job with helper processes: same results, in order, and a safe fallback."""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import os

import pytest

from newstrace import parallel


def _pid_and_sum(numbers: list[int]) -> tuple[int, int]:
    return os.getpid(), sum(numbers)


def test_parts_come_back_in_order_and_helpers_do_their_share() -> None:
    results = parallel.share(_pid_and_sum, [[1, 2], [3, 4], [5]], helpers=1, kind="test")
    assert [total for _, total in results] == [3, 7, 5]
    assert results[0][0] == os.getpid()  # the first part here
    assert {pid for pid, _ in results[1:]} != {os.getpid()}  # the others in a helper
    again = parallel.share(_pid_and_sum, [[1], [2]], helpers=1, kind="test")
    assert again[1][0] == results[1][0]  # the helper is kept for later jobs


def test_no_helpers_or_one_part_stays_here() -> None:
    assert parallel.share(_pid_and_sum, [[1], [2]], helpers=0)[1][0] == os.getpid()
    assert parallel.share(_pid_and_sum, [[1]], helpers=1)[0][0] == os.getpid()


def test_failing_helpers_leave_the_job_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise concurrent.futures.process.BrokenProcessPool("helper died")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Broken)
    monkeypatch.setattr(parallel, "_pools", {})
    results = parallel.share(_pid_and_sum, [[1], [2, 3]], helpers=1, kind="broken")
    assert results == [(os.getpid(), 1), (os.getpid(), 5)]


def _pid_after(seconds: float) -> int:
    import time

    time.sleep(seconds)
    return os.getpid()


def test_this_process_takes_the_parts_no_helper_has_started() -> None:
    # the helper is busy with part 1 while this process does the others
    results = parallel.share(_pid_after, [0.0, 1.0, 0.0, 0.0, 0.0], helpers=1, kind="steal")
    here = os.getpid()
    assert results[1] != here
    assert [pid == here for pid in results] == [True, False, True, True, True]


def _pid_and_time(seconds: float) -> tuple[int, float]:
    import time

    time.sleep(seconds)
    return os.getpid(), time.monotonic()


def test_whoever_is_free_takes_the_next_part_in_order() -> None:
    # the last parts are the smallest: taking them last keeps the ends close together
    results = parallel.share(_pid_and_time, [0.0, 1.0, 0.0, 0.0, 0.0], helpers=1,
                             kind="in-order")
    here = [(n, when) for n, (pid, when) in enumerate(results) if pid == os.getpid()]
    assert [n for n, _ in here] == [0, 2, 3, 4]
    assert [when for _, when in here] == sorted(when for _, when in here)


def test_shrinking_parts_cover_every_item_once_in_order() -> None:
    sizes = [5, 1, 1, 40, 3, 3, 3, 2, 8, 1, 1, 1, 30, 2]
    runs = parallel.shrinking_parts(sizes, 2, 2)
    assert [i for run in runs for i in run] == list(range(len(sizes)))
    assert all(len(run) >= 2 for run in runs[:-1])
    assert len(runs[0]) >= len(runs[-1])
    assert parallel.shrinking_parts([], 2, 2) == []


def _pid_and_settings(_: int) -> tuple[int, str, int]:
    from newstrace import settings

    return os.getpid(), settings.current().entities, settings.current().blas_threads


def test_helpers_start_with_the_settings_configured_by_arguments() -> None:
    from newstrace import settings

    before = settings.configure(entities="crf", blas_threads=1)
    try:
        results = parallel.share(_pid_and_settings, [1, 2, 3, 4], helpers=1, kind="settings")
        helpers = {r for r in results if r[0] != os.getpid()}
        assert helpers, "no part went to the helper"
        assert {(e, b) for _, e, b in results} == {("crf", 1)}
        settings.configure(entities="spacy")  # stops the helpers: the next ones see it
        again = parallel.share(_pid_and_settings, [1, 2, 3, 4], helpers=1, kind="settings")
        assert {e for _, e, _ in again} == {"spacy"}
    finally:
        settings.configure(**before.as_dict())


def test_a_bad_setting_is_refused_with_its_name() -> None:
    from newstrace import settings

    with pytest.raises(ValueError, match="entities must be"):
        settings.configure(entities="stanza")
    with pytest.raises(ValueError, match="at least 1"):
        settings.configure(processes=0)
