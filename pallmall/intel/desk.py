"""The incident desk: report, read and decide abuse incidents (the service, with side effects).

Side effects live here, not on the model: an audit record for every change
(DESIGN.md, rules of the house) and, on confirmation, a call to the public-change hook
that appends the public summary to the transparency log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pallmall.core.audit import AuditRecord, AuditSink
from pallmall.core.auth import Permission, Principal
from pallmall.core.clock import utcnow
from pallmall.core.errors import NotFound
from pallmall.core.ids import new_id
from pallmall.intel.incident import (
    Incident,
    IncidentDraft,
    IncidentStatus,
    Verb,
    can_see,
    incident_from_draft,
    incident_view,
    public_summary,
)
from pallmall.intel.ports import IncidentStore, PublicChangeHook

CONFIRMED_KIND = "intel.incident.confirmed"


class IncidentDesk:
    """Reports and decisions on incidents, checked against the caller's permissions."""

    def __init__(
        self,
        store: IncidentStore,
        on_public_change: PublicChangeHook | None = None,
        audit: AuditSink | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._hook = on_public_change
        self._audit = audit
        self._clock = clock

    def report(self, principal: Principal, draft: IncidentDraft) -> Incident:
        """File a new incident in status ``reported``.

        Raises:
            Unauthenticated, Forbidden: without ``intel:write``.
            InvalidInput: the draft is incomplete or malformed, naming the field.
        """
        principal.require(Permission.INTEL_WRITE)
        incident = incident_from_draft(draft, new_id("inc"), _actor(principal), self._clock())
        self._store.put_incident(incident)
        self._record(principal, "intel.incident.reported", incident.id, {"tlp": incident.tlp.value})
        return incident

    def decide(self, principal: Principal, incident_id: str, verb: Verb, reason: str) -> Incident:
        """Confirm or reject a reported incident (see ``TRANSITIONS``).

        On confirmation the hook receives ``(CONFIRMED_KIND, id, public_summary)``; if the
        hook raises, the previous state is put back and the error propagates.

        Raises:
            Unauthenticated, Forbidden: without ``intel:write``.
            NotFound: no such incident.
            TransitionRefused: the status does not allow ``verb``.
        """
        principal.require(Permission.INTEL_WRITE)
        before = self._get(incident_id)
        after = before.decided(verb, _actor(principal), self._clock(), reason)
        self._store.put_incident(after)
        if after.status is IncidentStatus.CONFIRMED and self._hook is not None:
            self._publish(before, after)
        self._record(principal, f"intel.incident.{verb.value}", incident_id, {"reason": reason})
        return after

    def _publish(self, before: Incident, after: Incident) -> None:
        assert self._hook is not None
        try:
            self._hook(CONFIRMED_KIND, after.id, public_summary(after))
        except BaseException:
            self._store.put_incident(before)
            raise

    def view(self, principal: Principal, incident_id: str) -> dict[str, Any]:
        """The incident as ``principal`` may see it.

        Raises:
            NotFound: no such incident, or the caller may not know of it.
        """
        incident = self._get(incident_id)
        if not can_see(incident, principal):
            raise NotFound(f"incident {incident_id}")
        return incident_view(incident, principal)

    def list(
        self, principal: Principal, status: IncidentStatus | None = None
    ) -> list[dict[str, Any]]:
        """The incidents ``principal`` may see, oldest report first."""
        return [
            incident_view(incident, principal)
            for incident in self._store.list_incidents(status)
            if can_see(incident, principal)
        ]

    def _get(self, incident_id: str) -> Incident:
        incident = self._store.get_incident(incident_id)
        if incident is None:
            raise NotFound(f"incident {incident_id}")
        return incident

    def _record(
        self, principal: Principal, verb: str, target: str, payload: dict[str, Any]
    ) -> None:
        if self._audit is not None:
            self._audit.append(AuditRecord(_actor(principal), verb, target, self._clock(), payload))


def _actor(principal: Principal) -> str:
    return principal.user_id or "anonymous"
