"""The incident desk: report, read and decide abuse incidents (the service, with side effects).

Side effects live here, not on the model: an audit record for every change
(DESIGN.md, rules of the house) and, on confirmation, a call to the public-change hook
that appends the public summary to the transparency log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from pallmall.core.audit import AuditRecord, AuditSink
from pallmall.core.auth import Permission, Principal
from pallmall.core.clock import utcnow
from pallmall.core.errors import Forbidden, InvalidInput, NotFound
from pallmall.core.ids import new_id
from pallmall.core.paging import Page, PageRequest
from pallmall.intel.incident import (
    Attribution,
    Incident,
    IncidentDraft,
    IncidentStatus,
    LinkRole,
    Verb,
    can_see,
    incident_from_draft,
    incident_view,
    public_summary,
)
from pallmall.intel.ports import IncidentQuery, IncidentStore, PublicChangeHook, RegistryRecords

CONFIRMED_KIND = "intel.incident.confirmed"
LINK_TYPES: dict[LinkRole, str] = {
    LinkRole.PRODUCT: "product",
    LinkRole.VENDOR: "organisation",
    LinkRole.OPERATOR: "organisation",  # a state, agency or customer
}
"""The registry record type each link role must point at."""


class IncidentDesk:
    """Reports and decisions on incidents, checked against the caller's permissions.

    ``records``, when given, checks that each attribution names a registry record of the
    right type (:data:`LINK_TYPES`); without it links are taken as given.
    """

    def __init__(
        self,
        store: IncidentStore,
        on_public_change: PublicChangeHook | None = None,
        audit: AuditSink | None = None,
        clock: Callable[[], datetime] = utcnow,
        records: RegistryRecords | None = None,
    ) -> None:
        self._store = store
        self._hook = on_public_change
        self._audit = audit
        self._clock = clock
        self._records = records

    def report(self, principal: Principal, draft: IncidentDraft) -> Incident:
        """File a new incident in status ``reported``.

        Raises:
            Unauthenticated, Forbidden: without ``intel:write``.
            InvalidInput: the draft is incomplete or malformed, or a link names no registry
                record of the right type, naming the field.
        """
        principal.require(Permission.INTEL_WRITE)
        self._check_links(draft.attributions)
        incident = incident_from_draft(draft, new_id("inc"), _actor(principal), self._clock())
        self._store.put_incident(incident)
        self._record(principal, "intel.incident.reported", incident.id, {"tlp": incident.tlp.value})
        return incident

    def decide(self, principal: Principal, incident_id: str, verb: Verb, reason: str) -> Incident:
        """Confirm or reject a reported incident (see ``TRANSITIONS``).

        On confirmation the hook receives ``(CONFIRMED_KIND, id, public_summary)`` after the
        confirmed incident is stored; if the hook raises, the previous state is put back and
        the error propagates. Four eyes: whoever reported an incident may not decide it.

        Raises:
            Unauthenticated, Forbidden: without ``intel:decide``, or as the reporter.
            NotFound: no such incident.
            TransitionRefused: the status does not allow ``verb``.
        """
        principal.require(Permission.INTEL_DECIDE)
        before = self._get(incident_id)
        if before.reported_by == _actor(principal):
            raise Forbidden("the reporter of an incident may not decide it (four eyes)")
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

    def search(
        self, principal: Principal, query: IncidentQuery, page: PageRequest
    ) -> Page[dict[str, Any]]:
        """One page of the incidents matching ``query`` that ``principal`` may see, newest
        report first, each as :func:`incident_view` gives it."""
        if not principal.can(Permission.INTEL_READ_RESTRICTED):
            principal.require(Permission.REGISTRY_READ_PUBLIC)
            query = replace(query, public_only=True)
        found = self._store.search_incidents(query, page)
        items = [incident_view(incident, principal) for incident in found.items]
        return Page(items, found.total, found.offset, found.limit)

    def list(
        self, principal: Principal, status: IncidentStatus | None = None
    ) -> list[dict[str, Any]]:
        """The incidents ``principal`` may see, oldest report first."""
        return [
            incident_view(incident, principal)
            for incident in self._store.list_incidents(status)
            if can_see(incident, principal)
        ]

    def _check_links(self, links: tuple[Attribution, ...]) -> None:
        if self._records is None:
            return
        for n, link in enumerate(links):
            found = self._records.record_type(link.target_id)
            if found is None:
                raise InvalidInput(
                    f"attributions[{n}].target_id", f"no registry record {link.target_id!r}"
                )
            if found != LINK_TYPES[link.role]:
                raise InvalidInput(
                    f"attributions[{n}].target_id",
                    f"a {link.role.value} link names a record of type "
                    f"{LINK_TYPES[link.role]}; {link.target_id!r} is of type {found}",
                )

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
