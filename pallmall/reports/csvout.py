"""A report as CSV: one row per figure (section, figure, key, value), RFC 4180."""

from __future__ import annotations

import csv
import io
from typing import Any

from pallmall.core.csvsafe import safe_cell
from pallmall.reports.figures import flatten
from pallmall.reports.model import Report

HEADER = ["section", "figure", "value", "report", "state", "period", "log_origin", "log_size"]


def report_csv(report: Report) -> str:
    """Every figure and assessment row of ``report`` as CSV text (lists of log indexes
    joined by spaces), each row naming the report and checkpoint it belongs to; cells a
    spreadsheet would run as formulas are neutralised (``pallmall.core.csvsafe``)."""
    out = io.StringIO()
    writer = _SafeWriter(csv.writer(out, lineterminator="\r\n"))
    writer.writerow(HEADER)
    tail = [
        report.id,
        report.spec.state,
        report.spec.label,
        report.checkpoint.origin,
        str(report.checkpoint.size),
    ]
    for path, value in flatten(report.figures).items():
        section, _, figure = path.partition(".")
        writer.writerow([section, figure, _cell(value), *tail])
    for row in report.assessment:
        writer.writerow(["assessment", f"{row['id']}.status", row["status"], *tail])
    return out.getvalue()


class _SafeWriter:
    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: list[Any]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)
