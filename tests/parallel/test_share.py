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
