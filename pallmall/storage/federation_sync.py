"""The receiving side of federation on SQLAlchemy Core: each peer's sync state, the evidence
it left, the object versions received from it, and the outgoing inbox objects to push.

Implements :class:`pallmall.federation.sync.SyncStore` on one connection (one unit of
work) over the tables of migration 0014 (:mod:`pallmall.storage.federation`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from pallmall.federation.sync import FORK_CURSOR, InboxItem, PeerState, Unverified
from pallmall.federation.verify import Evidence, VerifiedObject
from pallmall.log.checkpoint import parse_checkpoint
from pallmall.log.note import parse_note
from pallmall.storage.federation import (
    federation_evidence,
    federation_objects,
    federation_peer_state,
    federation_received,
)
from pallmall.storage.tables import public_changes

_CHUNK = 500
"""Rows inserted per statement (SQLite's and psycopg's parameter limits)."""


@dataclass(frozen=True)
class EvidenceRow:
    """One kept piece of evidence."""

    id: int
    peer_name: str
    kind: str
    at: datetime
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class ReceivedRow:
    """One received object version as kept (``verified_size`` None: waiting)."""

    peer_name: str
    object_id: str
    object_type: str
    version_us: int
    body: str
    log_index: int | None
    verified_size: int | None
    received_at: datetime


class SqlSyncStore:
    """Sync state, evidence and received objects on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- peer state --------------------------------------------------------------------------

    def peer_state(self, peer_name: str) -> PeerState:
        """The peer's state; a blank one before the first sync."""
        row = self.conn.execute(
            select(federation_peer_state).where(federation_peer_state.c.peer_name == peer_name)
        ).first()
        return PeerState(peer_name) if row is None else _state(row)

    def peer_states(self) -> dict[str, PeerState]:
        """Every peer's state, by peer name."""
        rows = self.conn.execute(select(federation_peer_state)).all()
        return {r.peer_name: _state(r) for r in rows}

    def save_peer_state(self, state: PeerState) -> None:
        """Insert or replace the peer's state (``verified_size`` and ``verified_root`` are
        read from ``verified_note``, so the three never disagree)."""
        values = _state_values(state)
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(federation_peer_state).values(
            peer_name=state.peer_name, **values
        )
        self.conn.execute(
            statement.on_conflict_do_update(index_elements=["peer_name"], set_=values)
        )

    # -- evidence ----------------------------------------------------------------------------

    def add_evidence(self, peer_name: str, evidence: Evidence, at: datetime) -> int:
        """Keep ``evidence`` (the table is append-only); return its id."""
        result = self.conn.execute(
            insert(federation_evidence).values(
                peer_name=peer_name, kind=evidence.kind.value, at=at, detail=dict(evidence.detail)
            )
        )
        key = result.inserted_primary_key
        return int(key[0]) if key else 0

    def evidence(self, peer_name: str | None = None, limit: int = 100) -> list[EvidenceRow]:
        """Kept evidence, newest first (of one peer when ``peer_name`` is given)."""
        e = federation_evidence.c
        query = select(federation_evidence).order_by(e.id.desc()).limit(limit)
        if peer_name is not None:
            query = query.where(e.peer_name == peer_name)
        return [
            EvidenceRow(r.id, r.peer_name, r.kind, r.at, dict(r.detail))
            for r in self.conn.execute(query)
        ]

    def evidence_counts(self) -> dict[str, int]:
        """How much evidence each peer left, by peer name."""
        e = federation_evidence.c
        rows = self.conn.execute(select(e.peer_name, func.count()).group_by(e.peer_name))
        return {str(name): int(count) for name, count in rows}

    # -- received objects --------------------------------------------------------------------

    def receive(self, peer_name: str, objects: Sequence[VerifiedObject], at: datetime) -> int:
        """Keep verified versions; a waiting (pushed) version becomes verified; a version
        kept already stays as it is. Returns how many versions were new."""
        if not objects:
            return 0
        r = federation_received.c
        before = self._count(peer_name)
        rows = [_received_values(peer_name, o, at) for o in objects]
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            self.conn.execute(dialect.insert(federation_received).on_conflict_do_nothing(), chunk)
        waiting = self._waiting(peer_name, objects)
        for o in (o for o in objects if (o.object_id, o.version_us) in waiting):
            self.conn.execute(
                update(federation_received)
                .where(
                    r.peer_name == peer_name,
                    r.object_id == o.object_id,
                    r.version == o.version_us,
                    r.verified_size.is_(None),
                )
                .values(verified_size=o.verified_size, log_index=o.log_index, body=o.body)
            )
        return self._count(peer_name) - before

    def _waiting(self, peer_name: str, objects: Sequence[VerifiedObject]) -> set[tuple[str, int]]:
        """Which of ``objects`` the peer pushed and wait for verification."""
        r = federation_received.c
        ids = sorted({o.object_id for o in objects})
        found: set[tuple[str, int]] = set()
        for start in range(0, len(ids), _CHUNK):
            rows = self.conn.execute(
                select(r.object_id, r.version).where(
                    r.peer_name == peer_name,
                    r.verified_size.is_(None),
                    r.object_id.in_(ids[start : start + _CHUNK]),
                )
            )
            found |= {(row.object_id, int(row.version)) for row in rows}
        return found

    def _count(self, peer_name: str) -> int:
        r = federation_received.c
        query = select(func.count()).where(r.peer_name == peer_name, r.verified_size.is_not(None))
        return int(self.conn.scalar(query) or 0)

    def unverified(self, peer_name: str) -> Sequence[Unverified]:
        """Objects the peer pushed that wait for verification, oldest first."""
        r = federation_received.c
        rows = self.conn.execute(
            select(r.object_id, r.version, r.body, r.log_index)
            .where(r.peer_name == peer_name, r.verified_size.is_(None))
            .order_by(r.received_at, r.object_id)
        )
        return [Unverified(x.object_id, x.version, x.body, x.log_index) for x in rows]

    def drop_unverified(self, peer_name: str, object_id: str, version_us: int) -> None:
        """Forget a pushed version that failed verification."""
        r = federation_received.c
        self.conn.execute(
            delete(federation_received).where(
                r.peer_name == peer_name,
                r.object_id == object_id,
                r.version == version_us,
                r.verified_size.is_(None),
            )
        )

    def received(
        self, object_type: str | None = None, peer_name: str | None = None
    ) -> list[ReceivedRow]:
        """Verified versions received, oldest version first."""
        r = federation_received.c
        query = select(federation_received).where(r.verified_size.is_not(None))
        if object_type is not None:
            query = query.where(r.object_type == object_type)
        if peer_name is not None:
            query = query.where(r.peer_name == peer_name)
        query = query.order_by(r.peer_name, r.object_id, r.version)
        return [_received(row) for row in self.conn.execute(query)]

    def in_force(self, object_type: str) -> list[ReceivedRow]:
        """The version in force of each verified object of ``object_type``: a revoked
        version supersedes every other (STIX 2.1 §3.6: revocation is final), else the latest
        ``modified``. Revoked objects are left out. Oldest first."""
        current: dict[tuple[str, str], ReceivedRow] = {}
        for row in self.received(object_type):
            key = (row.peer_name, row.object_id)
            held = current.get(key)
            if held is None or _supersedes(row, held):
                current[key] = row
        alive = [row for row in current.values() if not _revoked(row)]
        return sorted(alive, key=lambda row: (row.version_us, row.object_id))

    # -- outgoing ----------------------------------------------------------------------------

    def outgoing(self, group_name: str, after_seq: int, limit: int) -> Sequence[InboxItem]:
        """Our objects of ``group_name`` after ``after_seq`` in order, up to (not including)
        the first whose log index is not known yet (read from the outbox once logged)."""
        o = federation_objects.c
        index = _log_index()
        rows = self.conn.execute(
            select(o.seq, o.body, index)
            .select_from(_with_changes())
            .where(o.group_name == group_name, o.seq > after_seq)
            .order_by(o.seq)
            .limit(limit)
        ).all()
        out: list[InboxItem] = []
        for row in rows:
            if row.log_index is None:
                break
            out.append(InboxItem(row.seq, row.body, row.log_index))
        return out

    def committed(
        self, groups: Sequence[str], after_index: int, before_index: int
    ) -> list[tuple[int, str]]:
        """``(log_index, body)`` of our objects in ``groups`` whose entry index is in
        ``[after_index, before_index)``, by index (what an air-gap bundle carries)."""
        if not groups:
            return []
        o = federation_objects.c
        index = _log_index()
        rows = self.conn.execute(
            select(index, o.body)
            .select_from(_with_changes())
            .where(
                o.group_name.in_(list(groups)),
                and_(index.is_not(None), index >= after_index),
                index < before_index,
            )
            .order_by(index, o.seq)
        )
        return [(int(r.log_index), str(r.body)) for r in rows]


def _with_changes() -> Any:
    o, c = federation_objects.c, public_changes.c
    return federation_objects.outerjoin(public_changes, c.change_id == o.change_id)


def _log_index() -> Any:
    """The log index of an object's entry: its own column, else its change's in the outbox."""
    return func.coalesce(federation_objects.c.log_index, public_changes.c.log_index).label(
        "log_index"
    )


def _supersedes(row: ReceivedRow, held: ReceivedRow) -> bool:
    if _revoked(held) != _revoked(row):
        return _revoked(row)
    return row.version_us > held.version_us


def _revoked(row: ReceivedRow) -> bool:
    return json.loads(row.body).get("revoked") is True


def _state(row: Row[Any]) -> PeerState:
    return PeerState(
        peer_name=row.peer_name,
        last_attempt_at=row.last_attempt_at,
        last_success_at=row.last_success_at,
        verified_note=row.verified_note or "",
        cursors={str(k): str(v) for k, v in dict(row.cursors or {}).items()},
        last_error=row.last_error,
        error_count=row.error_count,
        peer_size=row.peer_size,
    )


def _state_values(state: PeerState) -> dict[str, Any]:
    size: int | None = None
    root: str | None = None
    if state.verified_note:
        checkpoint = parse_checkpoint(parse_note(state.verified_note).text)
        size, root = checkpoint.size, base64.b64encode(checkpoint.root).decode()
    return {
        "last_attempt_at": state.last_attempt_at,
        "last_success_at": state.last_success_at,
        "verified_size": size,
        "verified_root": root,
        "verified_note": state.verified_note or None,
        "cursors": dict(state.cursors),
        "last_error": state.last_error,
        "error_count": state.error_count,
        "peer_size": state.peer_size,
    }


def _received_values(peer_name: str, obj: VerifiedObject, at: datetime) -> dict[str, Any]:
    return {
        "peer_name": peer_name,
        "object_id": obj.object_id,
        "version": obj.version_us,
        "object_type": obj.object_type,
        "body": obj.body,
        "log_index": obj.log_index,
        "verified_size": obj.verified_size,
        "received_at": at,
    }


def _received(row: Row[Any]) -> ReceivedRow:
    return ReceivedRow(
        row.peer_name,
        row.object_id,
        row.object_type,
        row.version,
        row.body,
        row.log_index,
        row.verified_size,
        row.received_at,
    )


def reset_fork(conn: Connection, peer_name: str) -> bool:
    """Clear the block a fork put on ``peer_name`` and its last verified checkpoint (the
    operator decided which history to trust; the evidence stays). False when it had none."""
    store = SqlSyncStore(conn)
    state = store.peer_state(peer_name)
    if state.fork_evidence is None and not state.last_error:
        return False
    cleared = state.with_cursor(FORK_CURSOR, None)
    store.save_peer_state(
        PeerState(
            peer_name,
            last_attempt_at=state.last_attempt_at,
            last_success_at=state.last_success_at,
            verified_note="",
            cursors={k: v for k, v in cleared.cursors.items()},
            last_error="",
            error_count=0,
            peer_size=state.peer_size,
        )
    )
    return True
