"""The contract every analysis stage keeps.

An analysis stage is a plain function::

    def analyze(articles: Sequence[Article], *, state: dict | None,
                upstream: Mapping[str, StageResult]) -> StageResult

``articles`` are the cleaned articles being analysed, in ingest order.
``state`` is whatever the stage returned as ``StageResult.state`` the last time
it ran on this store (None the first time), so a stage can work incrementally
(a persisted LSH index, open events). ``upstream`` holds the results of the
stages that ran before it, by stage name. ``StageResult.report`` maps report keys
(``reuse``, ``stories``, ``entities``, ``claims``, ``citations``, ``anomalies``)
to lists of JSON-ready items; items for ``anomalies`` from several stages are
concatenated. Each stage package ships ``schema.json``, the JSON Schema of its
report items, which :mod:`newstrace.report.schema` assembles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from newstrace.records import Article


@dataclass(slots=True)
class StageResult:
    """What a stage adds to the report, and what it wants kept for next time."""

    report: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    state: dict[str, Any] | None = None
    #: Typed records for later stages (not serialised): e.g. reuse edges objects.
    records: dict[str, Any] = field(default_factory=dict)


class AnalyzeFn(Protocol):
    def __call__(
        self,
        articles: Sequence[Article],
        *,
        state: dict[str, Any] | None,
        upstream: Mapping[str, StageResult],
    ) -> StageResult: ...


@dataclass(frozen=True, slots=True)
class Stage:
    """A named analysis step; ``requires`` names stages that must run first."""

    name: str
    load: Callable[[], AnalyzeFn]
    requires: tuple[str, ...] = ()
    description: str = ""
