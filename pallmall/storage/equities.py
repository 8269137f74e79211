"""The equities register on SQLAlchemy Core: the current row per vulnerability, its
append-only history (the migration installs triggers refusing UPDATE/DELETE)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from pallmall.core.errors import Conflict
from pallmall.core.paging import Page, PageRequest
from pallmall.disclosure.kinds import EQUITIES_COMMITTED
from pallmall.equities.model import (
    Decision,
    Status,
    Verb,
    Vulnerability,
    VulnerabilityEvent,
    VulnerabilityIn,
    VulnerabilityQuery,
)
from pallmall.equities.ports import LoggedCommitment
from pallmall.equities.publish import OPENED_FIELD
from pallmall.storage.base import metadata
from pallmall.storage.tables import AutoId, public_changes
from pallmall.storage.types import UTCDateTime

equities_vulnerabilities = Table(
    "equities_vulnerabilities",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("state", String(2), nullable=False, index=True),
    Column("account_id", String(64), nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("status", String(32), nullable=False, index=True),
    Column("next_review", Date, nullable=True, index=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("details", JSON, nullable=False),
    Column("decisions", JSON, nullable=False),
)

equities_events = Table(
    "equities_events",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column(
        "vulnerability_id",
        String(64),
        ForeignKey("equities_vulnerabilities.id"),
        nullable=False,
        index=True,
    ),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("verb", String(32), nullable=False),
    Column("from_status", String(32), nullable=False),
    Column("to_status", String(32), nullable=False),
    Column("payload", JSON, nullable=False),
)


class SqlEquitiesStore:
    """:class:`pallmall.equities.ports.EquitiesStore` on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, vulnerability: Vulnerability) -> None:
        self.conn.execute(insert(equities_vulnerabilities).values(**_values(vulnerability)))

    def get(self, vulnerability_id: str) -> Vulnerability | None:
        row = self.conn.execute(
            select(equities_vulnerabilities).where(
                equities_vulnerabilities.c.id == vulnerability_id
            )
        ).first()
        return None if row is None else _vulnerability(row)

    def save(self, vulnerability: Vulnerability, expected_version: int) -> None:
        t = equities_vulnerabilities
        done = self.conn.execute(
            update(t)
            .where(t.c.id == vulnerability.id, t.c.version == expected_version)
            .values(**_values(vulnerability))
        )
        if done.rowcount != 1:
            raise Conflict(
                f"vulnerability {vulnerability.id} changed meanwhile; reload and try again"
            )

    def search(
        self, query: VulnerabilityQuery, states: frozenset[str] | None, page: PageRequest
    ) -> Page[Vulnerability]:
        t = equities_vulnerabilities
        where: list[Any] = []
        if states is not None:
            where.append(t.c.state.in_(sorted(states)))
        if query.state:
            where.append(t.c.state == query.state)
        if query.status:
            where.append(t.c.status == query.status.value)
        if query.overdue_on:
            where.append(t.c.next_review < query.overdue_on)
        total = self.conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
        rows = self.conn.execute(
            select(t)
            .where(*where)
            .order_by(t.c.next_review.is_(None), t.c.next_review, t.c.created_at.desc(), t.c.id)
            .offset(page.offset)
            .limit(page.limit)
        ).all()
        return Page([_vulnerability(r) for r in rows], total, page.offset, page.limit)

    def append_event(self, vulnerability_id: str, event: VulnerabilityEvent) -> None:
        self.conn.execute(
            insert(equities_events).values(
                vulnerability_id=vulnerability_id,
                at=event.at,
                actor=event.actor,
                verb=event.verb.value,
                from_status=event.from_status.value,
                to_status=event.to_status.value,
                payload=dict(event.payload),
            )
        )

    def events(self, vulnerability_id: str) -> Sequence[VulnerabilityEvent]:
        t = equities_events
        rows = self.conn.execute(
            select(t).where(t.c.vulnerability_id == vulnerability_id).order_by(t.c.id)
        ).all()
        return [
            VulnerabilityEvent(
                r.at, r.actor, Verb(r.verb), Status(r.from_status), Status(r.to_status), r.payload
            )
            for r in rows
        ]

    def commitments(self, vulnerability_id: str) -> Sequence[LoggedCommitment]:
        t = public_changes
        rows = self.conn.execute(
            select(t.c.log_index, t.c.disclosure)
            .where(t.c.subject == vulnerability_id, t.c.kind == EQUITIES_COMMITTED)
            .order_by(t.c.id)
        ).all()
        return [_commitment(r.log_index, r.disclosure) for r in rows]


def _commitment(index: int | None, disclosure: dict[str, Any] | None) -> LoggedCommitment:
    if index is None or index < 0 or not disclosure:
        return LoggedCommitment(None, None, None, None)
    opened = disclosure["fields"][OPENED_FIELD]
    return LoggedCommitment(index, disclosure["leaf_hash"], opened["salt"], opened["value"])


def _values(v: Vulnerability) -> dict[str, Any]:
    return {
        "id": v.id,
        "state": v.state,
        "account_id": v.account_id,
        "recorded_by": v.recorded_by,
        "status": v.status.value,
        "next_review": v.next_review,
        "version": v.version,
        "created_at": v.created_at,
        "updated_at": v.updated_at,
        "details": v.details.model_dump(mode="json"),
        "decisions": {
            "decision": v.decision.to_json() if v.decision else None,
            "proposal": v.proposal.to_json() if v.proposal else None,
            "vendor_notified_on": v.vendor_notified_on.isoformat()
            if v.vendor_notified_on
            else None,
            "opened_at": v.opened_at.isoformat() if v.opened_at else None,
        },
    }


def _vulnerability(row: Any) -> Vulnerability:
    d = row.decisions
    return Vulnerability(
        id=row.id,
        state=row.state,
        account_id=row.account_id,
        recorded_by=row.recorded_by,
        details=VulnerabilityIn.model_validate(row.details),
        status=Status(row.status),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        decision=Decision.from_json(d["decision"]) if d.get("decision") else None,
        proposal=Decision.from_json(d["proposal"]) if d.get("proposal") else None,
        vendor_notified_on=(
            date.fromisoformat(d["vendor_notified_on"]) if d.get("vendor_notified_on") else None
        ),
        opened_at=datetime.fromisoformat(d["opened_at"]) if d.get("opened_at") else None,
    )
