"""The registry of analysis stages: the one place that says what each stage needs and
produces, and everything that follows from it.

    >>> [stage.name for stage in STAGES]
    ['reuse', 'stories', 'claims', 'provenance']
    >>> REPORT_KEYS
    ('reuse', 'stories', 'entities', 'claims', 'citations', 'anomalies', 'graphs')
    >>> KEY_STAGE["entities"], KEY_STAGE["citations"]
    ('claims', 'provenance')

The pipeline runs :data:`STAGES` in order; the report's keys (:data:`REPORT_KEYS`), its
JSON Schema (each stage package's ``schema.json``, :data:`SCHEMA_PACKAGES`), the API's
account of which stage fills a key (:data:`KEY_STAGE`) and the store's result kinds are
derived from it. Each stage's code is imported when the stage first runs, so that a
missing optional part stops only that stage.
"""

from __future__ import annotations

from newstrace.stages import Stage

#: The analysis stages, in the order they run.
STAGES: tuple[Stage, ...] = (
    Stage.of_package("reuse", "newstrace.reuse", description="duplicates, rewrites and "
                     "translations", produces=("reuse", "anomalies"), links=True),
    Stage.of_package("stories", "newstrace.stories", description="stories and dated events",
                     produces=("stories",), links=True),
    Stage.of_package("claims", "newstrace.claims", description="entities, attributions and "
                     "claims", produces=("entities", "claims"), prepares=True),
    Stage.of_package("provenance", "newstrace.provenance",
                     requires=("reuse", "stories", "claims"),
                     description="citations, origins, independent sources, anomalies, "
                     "the provenance graph",
                     produces=("citations", "claims", "anomalies", "graphs")),
)

#: The report keys of analysis results, in report order (anomalies, which several
#: stages add to, after the items they are about; the graphs drawn from them last).
_LAST = ("anomalies", "graphs")
REPORT_KEYS: tuple[str, ...] = (
    *dict.fromkeys(k for s in STAGES for k in s.produces if k not in _LAST),
    *(k for k in _LAST if any(k in s.produces for s in STAGES)))

#: Report key -> the stage that fills it (the first one, when several add to it).
KEY_STAGE: dict[str, str] = {}
for _stage in STAGES:
    for _key in _stage.produces:
        KEY_STAGE.setdefault(_key, _stage.name)

#: The packages whose ``schema.json`` describes report items.
SCHEMA_PACKAGES: tuple[str, ...] = tuple(s.module for s in STAGES if s.module)
