"""Append-only audit records and the public-change outbox on SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
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
        count = select(func.count()).select_from(audit_log)
        if target:
            count = count.where(audit_log.c.target == target)
        total = self.conn.execute(count).scalar_one()
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
                change_id=change.id,
            )
        )

    def pending(self, limit: int = 1000) -> Sequence[tuple[int, PublicChange]]:
        """Changes not yet in the log, oldest first, with their outbox ids.

        The rows stay locked until the transaction ends (PostgreSQL ``FOR UPDATE SKIP
        LOCKED``; SQLite's write transaction already serialises), so two publishers never
        take the same change.
        """
        rows = self.conn.execute(
            select(public_changes)
            .where(public_changes.c.log_index.is_(None))
            .order_by(public_changes.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        return [(r.id, _change(r)) for r in rows]

    def waiting(self, limit: int = 1000) -> tuple[int, int]:
        """How many of the oldest ``limit`` pending changes there are, and how many of them
        are not prepared yet (no lock: a cheap look before a write transaction)."""
        rows = self.conn.execute(
            select(public_changes.c.leaf_hash)
            .where(public_changes.c.log_index.is_(None))
            .order_by(public_changes.c.id)
            .limit(limit)
        ).all()
        return len(rows), sum(1 for r in rows if r.leaf_hash is None)

    def prepare(self, change_id: int, leaf_hash: str, disclosure: dict[str, Any]) -> bool:
        """Keep the leaf hash and disclosure (salts) of a pending change's entry before it is
        appended, so the very same entry can be recognised in the log, or appended again,
        after a crash. Only the first preparation of a change is kept; returns whether this
        one was."""
        done = self.conn.execute(
            update(public_changes)
            .where(
                public_changes.c.id == change_id,
                public_changes.c.log_index.is_(None),
                public_changes.c.leaf_hash.is_(None),
            )
            .values(leaf_hash=leaf_hash, disclosure=disclosure)
        )
        return bool(done.rowcount)

    def prepared(self, change_id: int) -> tuple[str, dict[str, Any]] | None:
        """The leaf hash (hex) and disclosure kept by :meth:`prepare`, if any."""
        row = self.conn.execute(
            select(public_changes.c.leaf_hash, public_changes.c.disclosure).where(
                public_changes.c.id == change_id
            )
        ).first()
        if row is None or row.leaf_hash is None or row.disclosure is None:
            return None
        return str(row.leaf_hash), dict(row.disclosure)

    def mark_logged(
        self, change_id: int, log_index: int, leaf_hash: str, disclosure: dict[str, Any]
    ) -> None:
        """Record where a change went in the log, and its private disclosure (salts)."""
        self.conn.execute(
            update(public_changes)
            .where(public_changes.c.id == change_id)
            .values(log_index=log_index, leaf_hash=leaf_hash, disclosure=disclosure)
        )

    def logged(
        self,
        page: PageRequest,
        subject: str | None = None,
        leaf_hash: str | None = None,
        kind_prefix: str | None = None,
    ) -> Page[LoggedChange]:
        """Changes in the log, newest first, optionally by subject, leaf hash (hex) or the
        start of their kind (``cases.`` for every case decision)."""
        where = [public_changes.c.log_index >= 0]
        if kind_prefix:
            where.append(public_changes.c.kind.startswith(kind_prefix, autoescape=True))
        if subject:
            where.append(public_changes.c.subject == subject)
        if leaf_hash:
            where.append(public_changes.c.leaf_hash == leaf_hash.lower())
        total = self.conn.execute(
            select(func.count()).select_from(public_changes).where(*where)
        ).scalar_one()
        rows = self.conn.execute(
            select(public_changes)
            .where(*where)
            .order_by(public_changes.c.log_index.desc())
            .offset(page.offset)
            .limit(page.limit)
        ).all()
        items = [LoggedChange(r.log_index, r.leaf_hash, _change(r)) for r in rows]
        return Page(items, total, page.offset, page.limit)

    def disclosure(self, log_index: int) -> dict[str, Any] | None:
        """The private disclosure of the change at ``log_index`` (None if unknown)."""
        row = self.conn.execute(
            select(public_changes.c.disclosure).where(public_changes.c.log_index == log_index)
        ).first()
        return None if row is None else row.disclosure


@dataclass(frozen=True)
class LoggedChange:
    """A public change and where it is in the transparency log."""

    log_index: int
    leaf_hash: str
    change: PublicChange


def _change(row: Any) -> PublicChange:
    change_id = row.change_id or f"outbox-{row.id}"
    return PublicChange(row.kind, row.subject, row.at, row.public, row.confidential, change_id)
