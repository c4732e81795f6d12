"""The HTML dossier: one self-contained page (no server, no network) per report.

Every string from an article goes through Jinja2's autoescaping, so an article
that carries ``<script>`` or event-handler HTML shows as text and never runs.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_env = Environment(
    loader=PackageLoader("newstrace.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

SECTIONS = (
    ("stories", "Stories and events", "stories"),
    ("claims", "Claims and their sources", "claims"),
    ("reuse", "Reuse: copies, rewrites and translations", "reuse"),
    ("entities", "Entities and name variants", "claims"),
    ("citations", "Citations", "provenance"),
    ("anomalies", "Anomalies", None),
)


def render_dossier(report: dict[str, Any]) -> str:
    """Render the dossier page for ``report``."""
    articles = {a["id"]: a for a in report["articles"]}
    return _env.get_template("dossier.html").render(
        report=report, articles=articles, sections=SECTIONS, status=report.get("analyses", {})
    )
