"""SQL storage for ``pallmall.screening``: list snapshots, their entries, and the history
of listings and delistings (implements :class:`pallmall.screening.versioning.ListStore`).

Entries are kept as their JSON text keyed by (snapshot, entry id); a snapshot and its diff
against the previous one are written in one transaction. Works on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
)
from sqlalchemy.engine import Connection, Engine, Row

from pallmall.core.errors import Conflict
from pallmall.screening.codec import entry_from_dict, entry_to_dict
from pallmall.screening.model import ListEntry, LoadReport, SnapshotInfo
from pallmall.screening.versioning import ChangeKind, ListChange, SnapshotDiff, diff_snapshots
from pallmall.storage.base import metadata, read_transaction, write_transaction

_CHUNK = 1000

screening_snapshot = Table(
    "screening_snapshot",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list_id", String(64), nullable=False),
    Column("version", String(64), nullable=False),
    Column("published", Date, nullable=True),
    Column("source", String(255), nullable=False),
    UniqueConstraint("list_id", "version", name="uq_screening_snapshot_version"),
)

screening_entry = Table(
    "screening_entry",
    metadata,
    Column("snapshot_id", Integer, ForeignKey("screening_snapshot.id"), primary_key=True),
    Column("entry_id", String(128), primary_key=True),
    Column("body", Text, nullable=False),
)

screening_change = Table(
    "screening_change",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list_id", String(64), nullable=False),
    Column("entry_id", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("effective", Date, nullable=True),
    Column("version", String(64), nullable=False),
    Index("ix_screening_change_list", "list_id", "id"),
)


class SqlListStore:
    """The :class:`~pallmall.screening.versioning.ListStore` over one SQL engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, report: LoadReport) -> SnapshotDiff:
        """Store ``report`` and its diff against the newest stored snapshot, atomically.

        Raises :class:`Conflict` when this list version is already stored.
        """
        info = report.snapshot
        with write_transaction(self.engine) as conn:
            if _snapshot_id(conn, info.list_id, info.version) is not None:
                raise Conflict(f"{info.list_id} version {info.version} is already stored")
            diff = diff_snapshots(_latest(conn, info.list_id), report)
            snapshot_id = _insert_snapshot(conn, info)
            rows = [
                {
                    "snapshot_id": snapshot_id,
                    "entry_id": e.entry_id,
                    "body": json.dumps(entry_to_dict(e)),
                }
                for e in report.entries
            ]
            for start in range(0, len(rows), _CHUNK):
                conn.execute(insert(screening_entry), rows[start : start + _CHUNK])
            if diff.changes:
                conn.execute(insert(screening_change), [_change_row(c) for c in diff.changes])
        return diff

    def latest(self, list_id: str) -> LoadReport | None:
        """The newest stored snapshot of ``list_id`` (by publication date, then id)."""
        with read_transaction(self.engine) as conn:
            return _latest(conn, list_id)

    def snapshot(self, list_id: str, version: str) -> LoadReport | None:
        """One stored snapshot of ``list_id`` with its entries, or ``None``."""
        table = screening_snapshot
        query = select(table).where(table.c.list_id == list_id, table.c.version == version)
        with read_transaction(self.engine) as conn:
            row = conn.execute(query).first()
            return None if row is None else _with_entries(conn, row)

    def snapshots(self, list_id: str) -> Sequence[SnapshotInfo]:
        """Every stored snapshot of ``list_id``, oldest first."""
        query = select(screening_snapshot).where(screening_snapshot.c.list_id == list_id)
        with read_transaction(self.engine) as conn:
            rows = conn.execute(query.order_by(screening_snapshot.c.id)).all()
        return [SnapshotInfo(r.list_id, r.version, r.published, r.source) for r in rows]

    def changes(self, list_id: str, since: date | None = None) -> Sequence[ListChange]:
        """Recorded changes of ``list_id`` in the order they were recorded; ``since``
        keeps those effective on or after that day."""
        table = screening_change
        query = select(table).where(table.c.list_id == list_id).order_by(table.c.id)
        if since is not None:
            query = query.where(table.c.effective >= since)
        with read_transaction(self.engine) as conn:
            rows = conn.execute(query).all()
        return [
            ListChange(r.list_id, r.entry_id, ChangeKind(r.kind), r.name, r.effective, r.version)
            for r in rows
        ]

    def entries(
        self, list_id: str, version: str, entry_ids: Sequence[str]
    ) -> Mapping[str, ListEntry]:
        """The entries among ``entry_ids`` that version ``version`` of ``list_id`` holds
        (primary-key reads; none when that version is not stored)."""
        found: dict[str, ListEntry] = {}
        with read_transaction(self.engine) as conn:
            snapshot_id = _snapshot_id(conn, list_id, version)
            if snapshot_id is None:
                return found
            wanted = list(dict.fromkeys(entry_ids))
            for start in range(0, len(wanted), _CHUNK):
                rows = conn.execute(
                    select(screening_entry.c.entry_id, screening_entry.c.body).where(
                        screening_entry.c.snapshot_id == snapshot_id,
                        screening_entry.c.entry_id.in_(wanted[start : start + _CHUNK]),
                    )
                ).all()
                found.update((r.entry_id, entry_from_dict(json.loads(r.body))) for r in rows)
        return found


def _snapshot_id(conn: Connection, list_id: str, version: str) -> int | None:
    table = screening_snapshot
    query = select(table.c.id).where(table.c.list_id == list_id, table.c.version == version)
    return conn.execute(query).scalar_one_or_none()


def _insert_snapshot(conn: Connection, info: SnapshotInfo) -> int:
    values = {
        "list_id": info.list_id,
        "version": info.version,
        "published": info.published,
        "source": info.source,
    }
    result = conn.execute(
        insert(screening_snapshot).values(**values).returning(screening_snapshot.c.id)
    )
    return int(result.scalar_one())


def _latest(conn: Connection, list_id: str) -> LoadReport | None:
    table = screening_snapshot
    query = select(table).where(table.c.list_id == list_id)
    row = conn.execute(query.order_by(table.c.published.desc(), table.c.id.desc()).limit(1)).first()
    return None if row is None else _with_entries(conn, row)


def _with_entries(conn: Connection, row: Row[Any]) -> LoadReport:
    bodies = conn.execute(
        select(screening_entry.c.body)
        .where(screening_entry.c.snapshot_id == row.id)
        .order_by(screening_entry.c.entry_id)
    ).scalars()
    entries = tuple(entry_from_dict(json.loads(b)) for b in bodies)
    return LoadReport(SnapshotInfo(row.list_id, row.version, row.published, row.source), entries)


def _change_row(change: ListChange) -> dict[str, object]:
    return {
        "list_id": change.list_id,
        "entry_id": change.entry_id,
        "kind": change.kind.value,
        "name": change.name,
        "effective": change.effective,
        "version": change.version,
    }


def current_snapshots(store: SqlListStore) -> tuple[SnapshotInfo, ...]:
    """The newest stored snapshot of every list (the order :meth:`SqlListStore.latest` uses)."""
    table = screening_snapshot
    query = select(table).order_by(table.c.list_id, table.c.published, table.c.id)
    with read_transaction(store.engine) as conn:
        rows = conn.execute(query).all()
    newest = {r.list_id: SnapshotInfo(r.list_id, r.version, r.published, r.source) for r in rows}
    return tuple(newest.values())
