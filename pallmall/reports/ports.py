"""What reports need from storage, and the publishing use case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pallmall.core.audit import AuditRecord, AuditSink
from pallmall.core.auth import Permission, Principal, Role
from pallmall.core.changes import ChangeOutbox
from pallmall.core.errors import Conflict, Forbidden
from pallmall.disclosure import PUBLIC_SUBJECT, gate
from pallmall.disclosure.kinds import REPORT_PUBLISHED
from pallmall.reports.model import Report


@dataclass(frozen=True)
class StoredReport:
    """A published report and when it was published."""

    report: Report
    published_at: datetime


class ReportStore(Protocol):
    """Published reports, immutable once stored."""

    def add(self, report: Report, published_at: datetime) -> None:
        """Store ``report``; ``Conflict`` if its id is taken."""

    def get(self, report_id: str) -> StoredReport | None:
        """The report, or None."""

    def list(self) -> Sequence[StoredReport]:
        """Every published report, newest first."""


def require_publisher(principal: Principal, state: str) -> None:
    """Raise unless ``principal`` may publish ``state``'s report: one of that state's
    regulators (``reports:publish`` and an account acting for ``state``), or an admin.

    Raises:
        Unauthenticated: no credentials.
        Forbidden: without ``reports:publish``, or acting for another state (or none).
    """
    principal.require(Permission.REPORTS_PUBLISH)
    if principal.role is Role.ADMIN:
        return
    if principal.state is None or principal.state.upper() != state.upper():
        acting = f"acts for {principal.state}" if principal.state else "acts for no state"
        raise Forbidden(
            f"only {state}'s regulators publish {state}'s report; your account {acting}"
        )


def publish_report(
    principal: Principal,
    report: Report,
    store: ReportStore,
    outbox: ChangeOutbox,
    audit: AuditSink,
    now: datetime,
) -> StoredReport:
    """Store ``report`` and append ``report.published`` to the log (via the outbox, in the
    same unit of work): its scope, checkpoint and digest, so the log commits to its text.

    Raises:
        Unauthenticated, Forbidden: see :func:`require_publisher`.
        Conflict: a report with this id exists.
    """
    require_publisher(principal, report.spec.state)
    if store.get(report.id) is not None:
        raise Conflict(f"report {report.id} exists already")
    store.add(report, now)
    public = {
        "state": report.spec.state,
        "period": report.spec.to_json(),
        "checkpoint": {k: v for k, v in report.checkpoint.to_json().items() if k != "note"},
        "digest": report.digest,
    }
    outbox.add(gate(REPORT_PUBLISHED, report.id, now, public, PUBLIC_SUBJECT))
    actor = principal.user_id or "system"
    audit.append(AuditRecord(actor, REPORT_PUBLISHED, report.id, now, public))
    return StoredReport(report, now)
