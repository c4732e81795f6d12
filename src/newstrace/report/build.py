"""Assemble ``report.json`` from articles and stage results, and write the report folder."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newstrace import __version__
from newstrace.records import Article, InputError
from newstrace.registry import REPORT_KEYS

#: the report keys of analysis results, from the stage registry
ANALYSIS_KEYS = REPORT_KEYS


def build_report(
    articles: Sequence[Article],
    items: Mapping[str, list[dict[str, Any]]],
    *,
    status: Mapping[str, str] | None = None,
    errors: Sequence[InputError] = (),
) -> dict[str, Any]:
    """The report as a JSON-ready dict; keys of analyses not run are present and empty.

    >>> report = build_report([], {})
    >>> report["stories"], report["newstrace_version"] != ""
    ([], True)
    """
    report: dict[str, Any] = {
        "newstrace_version": __version__,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "analyses": dict(status or {}),
        "articles": [a.to_dict() for a in articles],
    }
    for key in ANALYSIS_KEYS:
        report[key] = list(items.get(key, []))
    report["errors"] = [e.to_dict() for e in errors]
    return report


def write_report(report: dict[str, Any], out_dir: str | Path) -> Path:
    """Write ``report.json``, the ``index.html`` dossier and the provenance graph
    (``graph.json``, ``graph.graphml``) into ``out_dir``."""
    from newstrace.report.dossier import render_dossier

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "report.json.tmp"
    tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(out / "report.json")  # atomic: a reader never sees half a report
    (out / "index.html").write_text(render_dossier(report), encoding="utf-8")
    from newstrace.report.graph import write_graph_files

    write_graph_files(report, out)
    return out
