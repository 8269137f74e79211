"""Append-only audit records and the public-change outbox on SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from pallmall.core.audit import AuditRecord
from pallmall.core.changes import PublicChange
from pallmall.core.paging import Page, PageRequest
from pallmall.storage.tables import audit_log, public_changes


class SqlAuditSink:
    """:class:`pallmall.core.audit.AuditSink`: inserts only (triggers refuse edits)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def append(self, record: AuditRecord) -> None:
        self.conn.execute(
            insert(audit_log).values(
                at=record.at,
                actor=record.actor,
                verb=record.verb,
                target=record.target,
                payload=dict(record.payload),
            )
        )

    def list(self, page: PageRequest, target: str | None = None) -> Page[AuditRecord]:
        """Audit records, newest first, optionally for one ``target``."""
        stmt = select(audit_log)
        if target:
            stmt = stmt.where(audit_log.c.target == target)
        total = len(self.conn.execute(stmt.with_only_columns(audit_log.c.id)).all())
        rows = self.conn.execute(
            stmt.order_by(audit_log.c.id.desc()).offset(page.offset).limit(page.limit)
        ).all()
        items = [AuditRecord(r.actor, r.verb, r.target, r.at, r.payload) for r in rows]
        return Page(items, total, page.offset, page.limit)


class SqlChangeOutbox:
    """:class:`pallmall.core.changes.ChangeOutbox`: changes wait here for the log sequencer."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, change: PublicChange) -> None:
        self.conn.execute(
            insert(public_changes).values(
                at=change.at,
                kind=change.kind,
                subject=change.subject,
                public=dict(change.public),
                confidential=dict(change.confidential),
            )
        )

    def pending(self, limit: int = 1000) -> Sequence[tuple[int, PublicChange]]:
        """Changes not yet in the log, oldest first, with their outbox ids."""
        rows = self.conn.execute(
            select(public_changes)
            .where(public_changes.c.log_index.is_(None))
            .order_by(public_changes.c.id)
            .limit(limit)
        ).all()
        return [(r.id, _change(r)) for r in rows]


def _change(row: Any) -> PublicChange:
    return PublicChange(row.kind, row.subject, row.at, row.public, row.confidential)
