"""Cases on SQLAlchemy Core: the current row per case, and append-only history, due-diligence
runs, messages and denial notices (the migration installs triggers refusing UPDATE/DELETE)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.engine import Connection, Row

from pallmall.cases.model import (
    Applicant,
    Case,
    CaseEvent,
    CaseKind,
    CaseQuery,
    CaseState,
    CaseStatus,
    DeniedLicence,
    DiligenceRun,
    LicenceApplication,
    ListChangeNote,
    Message,
    MessageKind,
    Notification,
    Verb,
    parse_application,
    parse_evidence,
    undercut_parties,
)
from pallmall.cases.transitions import OPEN
from pallmall.core.accounts import User
from pallmall.core.auth import AccountKind
from pallmall.core.errors import Conflict
from pallmall.core.paging import Page, PageRequest
from pallmall.federation.stix import DENIAL_TYPE, MEASURE_TYPE
from pallmall.policy import Finding, Severity
from pallmall.storage.accounts import SqlAccountStore
from pallmall.storage.base import metadata
from pallmall.storage.federation import federation_received
from pallmall.storage.links import account_registry_links
from pallmall.storage.screening import screening_snapshot
from pallmall.storage.tables import (
    AutoId,
    account_orgs,
    registry_record_versions,
    registry_relationship_versions,
)
from pallmall.storage.types import UTCDateTime

cases = Table(
    "cases",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False, index=True),
    Column("status", String(32), nullable=False, index=True),
    Column("authority_id", String(64), nullable=False, index=True),
    Column("account_id", String(64), nullable=False, index=True),
    Column("filed_by", String(64), nullable=False),
    Column("title", String(400), nullable=False),
    Column("destination", String(2), nullable=False),
    Column("product_category", String(64), nullable=False),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("top_severity", String(16), nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, index=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("details", JSON, nullable=False),
    Column("state", JSON, nullable=False),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("case_id", String(64), ForeignKey("cases.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("verb", String(32), nullable=False),
    Column("from_status", String(32), nullable=False),
    Column("to_status", String(32), nullable=False),
    Column("payload", JSON, nullable=False),
)

case_diligence = Table(
    "case_diligence",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("case_id", String(64), ForeignKey("cases.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("trigger", String(32), nullable=False),
    Column("stamp", String(200), nullable=False),
    Column("rules_version", String(100), nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("findings", JSON, nullable=False),
    Column("notes", JSON, nullable=False),
)

case_messages = Table(
    "case_messages",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("case_id", String(64), ForeignKey("cases.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("author", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", String(5000), nullable=False),
)

case_notifications = Table(
    "case_notifications",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("case_id", String(64), ForeignKey("cases.id"), nullable=False),
    Column("from_authority", String(64), nullable=False),
    Column("to_authority", String(64), nullable=False, index=True),
    Column("summary", JSON, nullable=False),
)

APPEND_ONLY = ("case_events", "case_diligence", "case_messages", "case_notifications")


class SqlCaseStore:
    """:class:`pallmall.cases.ports.CaseStore` on one connection (one unit of work)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, case: Case) -> None:
        self.conn.execute(insert(cases).values(**_values(case)))

    def get(self, case_id: str) -> Case | None:
        row = self.conn.execute(select(cases).where(cases.c.id == case_id)).first()
        return _case(row) if row else None

    def save(self, case: Case, expected_version: int) -> None:
        values = _values(case)
        values.pop("id")
        done = self.conn.execute(
            update(cases)
            .where(cases.c.id == case.id, cases.c.version == expected_version)
            .values(**values)
        )
        if done.rowcount != 1:
            raise Conflict(f"case {case.id} changed meanwhile; reload and try again")

    def search(self, query: CaseQuery, page: PageRequest) -> Page[Case]:
        where = _where(query)
        total = self.conn.execute(
            select(func.count()).select_from(cases).where(*where)
        ).scalar_one()
        rows = self.conn.execute(
            select(cases)
            .where(*where)
            .order_by(cases.c.created_at.desc(), cases.c.id)
            .offset(page.offset)
            .limit(page.limit)
        ).all()
        return Page([_case(r) for r in rows], total, page.offset, page.limit)

    def append_event(self, event: CaseEvent) -> None:
        values = {
            **event.__dict__,
            "verb": event.verb.value,
            "from_status": event.from_status.value,
            "to_status": event.to_status.value,
            "payload": dict(event.payload),
        }
        self.conn.execute(insert(case_events).values(**values))

    def events(self, case_id: str) -> Sequence[CaseEvent]:
        rows = self._rows(case_events, case_id)
        return [
            CaseEvent(
                r.case_id,
                r.at,
                r.actor,
                Verb(r.verb),
                CaseStatus(r.from_status),
                CaseStatus(r.to_status),
                r.payload,
            )
            for r in rows
        ]

    def add_run(self, run: DiligenceRun) -> None:
        values = {
            **run.__dict__,
            "evidence": run.evidence.as_dict(),
            "findings": [f.as_dict() for f in run.findings],
            "notes": _notes(run),
        }
        values.pop("list_changes")
        self.conn.execute(insert(case_diligence).values(**values))

    def runs(self, case_id: str) -> Sequence[DiligenceRun]:
        return [
            DiligenceRun(
                r.case_id,
                r.at,
                r.trigger,
                r.stamp,
                r.rules_version,
                parse_evidence(r.evidence),
                tuple(Finding.from_dict(f) for f in r.findings),
                tuple(n for n in r.notes if isinstance(n, str)),
                tuple(_list_change(n) for n in r.notes if isinstance(n, dict)),
            )
            for r in self._rows(case_diligence, case_id)
        ]

    def add_message(self, message: Message) -> None:
        self.conn.execute(insert(case_messages).values(**message.__dict__))

    def messages(self, case_id: str) -> Sequence[Message]:
        return [
            Message(r.case_id, r.at, r.author, MessageKind(r.kind), r.text)
            for r in self._rows(case_messages, case_id)
        ]

    def add_notification(self, notice: Notification) -> None:
        values = {**notice.__dict__, "summary": dict(notice.summary)}
        self.conn.execute(insert(case_notifications).values(**values))

    def notifications(self, to_authority: str | None, page: PageRequest) -> Page[Notification]:
        t = case_notifications
        where = [t.c.to_authority == to_authority] if to_authority is not None else []
        total = self.conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
        rows = self.conn.execute(
            select(t)
            .where(*where)
            .order_by(t.c.at.desc(), t.c.id)
            .offset(page.offset)
            .limit(page.limit)
        ).all()
        items = [
            Notification(r.id, r.at, r.case_id, r.from_authority, r.to_authority, r.summary)
            for r in rows
        ]
        return Page(items, total, page.offset, page.limit)

    def authorities(self) -> Mapping[str, str]:
        rows = self.conn.execute(
            select(account_orgs.c.id, account_orgs.c.name)
            .where(account_orgs.c.kind == AccountKind.EXPORT_AUTHORITY.value)
            .order_by(account_orgs.c.name)
        ).all()
        return {r.id: r.name for r in rows}

    def users(self) -> Sequence[User]:
        return SqlAccountStore(self.conn).list_users()

    def account_state(self, account_id: str) -> str | None:
        row = self.conn.execute(
            select(account_orgs.c.state).where(account_orgs.c.id == account_id)
        ).first()
        return None if row is None else row.state

    def candidate_denials(
        self, product_category: str, exclude_authority: str
    ) -> Sequence[DeniedLicence]:
        # kind, status, category and authority are all filtered here (the status index
        # keeps it to denied cases); names are compared by the caller, which knows how
        rows = self.conn.execute(
            select(cases)
            .where(
                cases.c.kind == CaseKind.LICENCE.value,
                cases.c.status == CaseStatus.DENIED.value,
                cases.c.product_category == product_category,
                cases.c.authority_id != exclude_authority,
            )
            .order_by(cases.c.updated_at, cases.c.id)
        ).all()
        found = [_case(r) for r in rows]
        return [DeniedLicence(c, undercut_parties(c.filed(LicenceApplication))) for c in found]

    def cases_about(self, kind: str, subject_id: str) -> Sequence[Case]:
        rows = self.conn.execute(
            select(cases).where(cases.c.kind == kind, cases.c.subject_id == subject_id)
        ).all()
        return [_case(r) for r in rows]

    def decided_restrictions(self) -> Sequence[Case]:
        decided = (CaseStatus.RESTRICTED.value, CaseStatus.APPEAL.value)
        rows = self.conn.execute(
            select(cases)
            .where(cases.c.kind == CaseKind.RESTRICTION.value, cases.c.status.in_(decided))
            .order_by(cases.c.updated_at, cases.c.id)
        ).all()
        return [_case(r) for r in rows]

    def applicant(self, account_id: str) -> Applicant | None:
        links = account_registry_links
        row = self.conn.execute(
            select(account_orgs, links.c.registry_id, links.c.status)
            .select_from(account_orgs.outerjoin(links, links.c.account_id == account_orgs.c.id))
            .where(account_orgs.c.id == account_id)
        ).first()
        if row is None:
            return None
        state = row.state or ""
        return Applicant(row.id, row.name, row.registry_id or "", row.status or "none", state)

    def world_stamp(self) -> str:
        parts = []
        for table, column in (
            (registry_record_versions, registry_record_versions.c.recorded_at),
            (registry_relationship_versions, registry_relationship_versions.c.recorded_at),
        ):
            count, last = self.conn.execute(select(func.count(), func.max(column))).one()
            parts.append(f"{table.name}:{count}:{last.isoformat() if last else ''}")
        snapshots = self.conn.execute(select(func.max(screening_snapshot.c.id))).scalar()
        parts.append(f"lists:{snapshots or 0}")
        # restrictions decided here are a list too (due diligence screens every party
        # against them), and a confirmed link changes who the applicant is
        count, last = self.conn.execute(
            select(func.count(), func.max(cases.c.updated_at)).where(
                cases.c.kind == CaseKind.RESTRICTION.value
            )
        ).one()
        parts.append(f"restrictions:{count}:{last.isoformat() if last else ''}")
        count, last = self.conn.execute(
            select(func.count(), func.max(account_registry_links.c.at))
        ).one()
        parts.append(f"links:{count}:{last.isoformat() if last else ''}")
        # a denial here or a denial notice verified from a peer makes similar applications
        # undercuts (no-undercut.prior-denial), a peer's restrictive measure makes its
        # subject a hit (federation.peer-measure); a withdrawal unmakes them
        count, last = self.conn.execute(
            select(func.count(), func.max(cases.c.updated_at)).where(
                cases.c.kind == CaseKind.LICENCE.value, cases.c.status == CaseStatus.DENIED.value
            )
        ).one()
        parts.append(f"denials:{count}:{last.isoformat() if last else ''}")
        received = federation_received.c
        count, last = self.conn.execute(
            select(func.count(), func.max(received.received_at)).where(
                received.object_type.in_((DENIAL_TYPE, MEASURE_TYPE)),
                received.verified_size.is_not(None),
            )
        ).one()
        parts.append(f"notices:{count}:{last.isoformat() if last else ''}")
        # a digest: the parts outgrow the stored column (200), and only equality is asked
        return hashlib.sha256(";".join(parts).encode()).hexdigest()

    def _rows(self, table: Table, case_id: str) -> Sequence[Row[Any]]:
        return self.conn.execute(
            select(table).where(table.c.case_id == case_id).order_by(table.c.id)
        ).all()


def _where(query: CaseQuery) -> list[Any]:
    where: list[Any] = []
    for column, value in (
        (cases.c.kind, query.kind),
        (cases.c.status, query.status),
        (cases.c.destination, query.destination),
        (cases.c.authority_id, query.authority_id),
        (cases.c.account_id, query.account_id),
    ):
        if value is not None:
            where.append(column == value)
    if query.open_only:
        where.append(cases.c.status.in_([s.value for s in OPEN]))
    return where or [true()]


def _values(case: Case) -> dict[str, Any]:
    return {
        **case.__dict__,
        "kind": case.kind.value,
        "status": case.status.value,
        "top_severity": case.top_severity.value if case.top_severity else None,
        "details": case.details.model_dump(mode="json"),
        "state": case.state.as_json(),
    }


def _case(row: Any) -> Case:
    kind = CaseKind(row.kind)
    return Case(
        id=row.id,
        kind=kind,
        status=CaseStatus(row.status),
        authority_id=row.authority_id,
        account_id=row.account_id,
        filed_by=row.filed_by,
        title=row.title,
        destination=row.destination,
        product_category=row.product_category,
        subject_id=row.subject_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        top_severity=Severity(row.top_severity) if row.top_severity else None,
        details=parse_application(kind, row.details),
        state=CaseState.model_validate(row.state),
    )


def _notes(run: DiligenceRun) -> list[Any]:
    """The ``notes`` column: the run's notes (text), then its list-change notes as objects
    (``{"list_change": {...}}``): one JSON array, so rows written before list-change notes
    existed read as they are."""
    changes = [{"list_change": dataclasses.asdict(n)} for n in run.list_changes]
    return [*run.notes, *changes]


def _list_change(stored: Mapping[str, Any]) -> ListChangeNote:
    n: Mapping[str, Any] = stored["list_change"]
    return ListChangeNote(
        list_id=n["list_id"],
        entry_id=n["entry_id"],
        entry_name=n["entry_name"],
        change=n["change"],
        from_version=n["from_version"],
        to_version=n["to_version"],
        fields=tuple(n["fields"]),
        matched=tuple(n["matched"]),
        now=tuple(n["now"]),
        before=tuple(n["before"]),
        after=tuple(n["after"]),
    )
