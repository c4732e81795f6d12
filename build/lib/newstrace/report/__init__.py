"""Report: ``report.json`` (with its JSON Schema) and the HTML dossier."""

from newstrace.report.build import build_report, write_report
from newstrace.report.schema import report_schema, validate_report

__all__ = ["build_report", "report_schema", "validate_report", "write_report"]
