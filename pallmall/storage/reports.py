"""SQL storage for ``pallmall.reports``: published transparency reports, immutable.

A report is kept as its published JSON text beside the columns the portal lists by
(state, period, checkpoint size). Works on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Date, Index, Integer, String, Table, Text, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from pallmall.core.errors import Conflict
from pallmall.reports.model import Report, report_from_json
from pallmall.reports.ports import StoredReport
from pallmall.storage.base import metadata
from pallmall.storage.types import UTCDateTime

transparency_report = Table(
    "transparency_report",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("state", String(100), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("label", String(100), nullable=False),
    Column("log_size", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("body", Text, nullable=False),
    Index("ix_transparency_report_published", "published_at"),
)


class SqlReportStore:
    """:class:`pallmall.reports.ReportStore` on one connection (a unit of work)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, report: Report, published_at: datetime) -> None:
        """Insert ``report``; ``Conflict`` if its id exists."""
        values = {
            "id": report.id,
            "state": report.spec.state,
            "period_start": report.spec.start,
            "period_end": report.spec.end,
            "label": report.spec.label,
            "log_size": report.checkpoint.size,
            "digest": report.digest,
            "published_at": published_at,
            "body": json.dumps(report.to_json(), sort_keys=True),
        }
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(transparency_report).values(**values))
        except IntegrityError as exc:
            raise Conflict(f"report {report.id} exists already") from exc

    def get(self, report_id: str) -> StoredReport | None:
        """The report, or None."""
        row = self.conn.execute(
            select(transparency_report).where(transparency_report.c.id == report_id)
        ).first()
        return None if row is None else _stored(row)

    def list(self) -> Sequence[StoredReport]:
        """Every report, newest first."""
        t = transparency_report.c
        rows = self.conn.execute(
            select(transparency_report).order_by(t.published_at.desc(), t.id.desc())
        ).all()
        return [_stored(r) for r in rows]


def _stored(row: Any) -> StoredReport:
    report, _ = report_from_json(json.loads(row.body))
    return StoredReport(report, row.published_at)
