"""The incident desk: report, read and decide abuse incidents (the service, with side effects).

Side effects live here, not on the model, and go through the caller's unit of work like the
registry's, the cases' and the reports': an audit record for every change (DESIGN.md, rules
of the house), and on confirmation the public change for the transparency log (through the
outbox, decided by the disclosure gate) and, for what the public may read, the incident's STIX
objects in the TAXII ``public`` collection. Either all of it commits or none of it.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pallmall.core.audit import AuditRecord, AuditSink
from pallmall.core.auth import Permission, Principal
from pallmall.core.changes import ChangeOutbox
from pallmall.core.clock import utcnow
from pallmall.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from pallmall.core.ids import new_id
from pallmall.core.paging import Page, PageRequest
from pallmall.core.states import state_code
from pallmall.disclosure import PUBLIC, Reader
from pallmall.intel.incident import (
    Attribution,
    Incident,
    IncidentDraft,
    IncidentStatus,
    LinkRole,
    Verb,
    incident_from_draft,
)
from pallmall.intel.ports import (
    IncidentCollections,
    IncidentQuery,
    IncidentStore,
    RegistryRecords,
)
from pallmall.intel.redaction import incident_change, incident_view, is_full, redact

STATE_PREFIX = "state:"
"""A holder id naming a state rather than an account (``state:GB``)."""

LINK_TYPES: dict[LinkRole, str] = {
    LinkRole.PRODUCT: "product",
    LinkRole.VENDOR: "organisation",
    LinkRole.OPERATOR: "organisation",  # a state, agency or customer
}
"""The registry record type each link role must point at."""


@dataclass
class IncidentDesk:
    """Reports and decisions on incidents, checked against the caller's permissions.

    Every store shares the caller's unit of work. ``records`` checks that each attribution
    names a registry record of the right type (:data:`LINK_TYPES`) that the reporter may read,
    and tells each record's visibility to the disclosure rules. ``collections``, when given,
    receives the public objects of an incident confirmed at TLP:CLEAR. ``accounts``, when
    given, tells whether an account id exists (checked before sharing with it).
    """

    store: IncidentStore
    records: RegistryRecords
    audit: AuditSink
    outbox: ChangeOutbox
    collections: IncidentCollections | None = None
    clock: Callable[[], datetime] = utcnow
    accounts: Callable[[str], bool] | None = None

    def report(
        self, principal: Principal, draft: IncidentDraft, incident_id: str | None = None
    ) -> Incident:
        """File a new incident in status ``reported``, owned by the reporter's account.

        ``incident_id`` names it (an import's stable id); a fresh id when None.

        Raises:
            Conflict: an incident ``incident_id`` exists already.
            Unauthenticated, Forbidden: without ``intel:write``.
            InvalidInput: the draft is incomplete or malformed, or a link names no registry
                record of the right type, naming the field.
        """
        principal.require(Permission.INTEL_WRITE)
        self._check_links(draft.attributions)
        owner = principal.account_id or _actor(principal)
        if incident_id is not None and self.store.get_incident(incident_id) is not None:
            raise Conflict(f"incident {incident_id} exists already")
        new = incident_id or new_id("inc")
        incident = incident_from_draft(draft, new, _actor(principal), self.clock(), owner)
        self.store.put_incident(incident)
        self._record(principal, "intel.incident.reported", incident.id, {"tlp": incident.tlp.value})
        return incident

    def decide(self, principal: Principal, incident_id: str, verb: Verb, reason: str) -> Incident:
        """Confirm or reject a reported incident (see ``TRANSITIONS``).

        A confirmation adds the incident's public change to the outbox (what the disclosure
        rules let the log hold) and, when the public may read the incident, its objects to
        the public collection. Four eyes: whoever reported an incident may not decide it.
        Only a reader of the whole incident decides it: its owner's officers, a state it is
        shared with, or the oversight body.

        Raises:
            Unauthenticated, Forbidden: without ``intel:decide``, or as the reporter.
            NotFound: no such incident, or the caller may not read it whole.
            TransitionRefused: the status does not allow ``verb``.
        """
        principal.require(Permission.INTEL_DECIDE)
        before = self._get(incident_id)
        if not is_full(Reader.of(principal), before):
            raise NotFound(f"incident {incident_id}")
        if before.reported_by == _actor(principal):
            raise Forbidden("the reporter of an incident may not decide it (four eyes)")
        after = before.decided(verb, _actor(principal), self.clock(), reason)
        self.store.put_incident(after)
        if after.status is IncidentStatus.CONFIRMED:
            self._publish(after)
        self._record(principal, f"intel.incident.{verb.value}", incident_id, {"reason": reason})
        return after

    def _publish(self, incident: Incident) -> None:
        self.outbox.add(incident_change(incident, self.records.visibility))
        public = redact(incident, PUBLIC, self.records.visibility)
        if public is not None and self.collections is not None:
            self.collections.publish(public)

    def share(
        self, principal: Principal, incident_id: str, account_id: str, on: bool = True
    ) -> Incident:
        """Share the incident's restricted details with account ``account_id`` (``on``), or
        stop sharing them. ``state:XX`` shares with every body of state ``XX`` (ISO 3166-1
        alpha-2). Only the owner's people and the oversight body share; what another
        state already read stays read (the audit trail records both moves).

        Raises:
            Unauthenticated, Forbidden: without ``intel:read_restricted``, or not the owner
                nor an overseer.
            NotFound: no such incident, or the caller may not read it whole.
            InvalidInput: ``account_id`` names no account (field ``account_id``), or is the
                owner.
        """
        principal.require(Permission.INTEL_READ_RESTRICTED)
        before = self._get(incident_id)
        reader = Reader.of(principal)
        if not is_full(reader, before):
            raise NotFound(f"incident {incident_id}")
        owner = before.owner is None or before.owner in reader.holder_ids
        if not owner and not reader.overseer:
            raise Forbidden("only the incident's owner or the oversight body shares it")
        if account_id.startswith(STATE_PREFIX):
            account_id = STATE_PREFIX + state_code(account_id[len(STATE_PREFIX) :], "state")
        elif on and self.accounts is not None and not self.accounts(account_id):
            raise InvalidInput("account_id", f"no account {account_id!r} on this node")
        if account_id == before.owner:
            raise InvalidInput("account_id", "the owner holds the incident already")
        after = before.shared(account_id, on)
        self.store.put_incident(after)
        verb = "intel.incident.shared" if on else "intel.incident.unshared"
        self._record(principal, verb, incident_id, {"account_id": account_id})
        return after

    def queue(self, principal: Principal) -> builtins.list[dict[str, Any]]:
        """The reported incidents ``principal`` may decide (``intel:decide``, reads them
        whole, did not report them), oldest first: the review queue.

        Raises:
            Unauthenticated, Forbidden: without ``intel:decide``.
        """
        principal.require(Permission.INTEL_DECIDE)
        reader = Reader.of(principal)
        waiting = self.store.list_incidents(IncidentStatus.REPORTED)
        mine = [i for i in waiting if is_full(reader, i) and i.reported_by != _actor(principal)]
        return self._views(principal, mine)

    def view(self, principal: Principal, incident_id: str) -> dict[str, Any]:
        """The incident as ``principal`` may see it (:func:`~.redaction.incident_view`).

        Raises:
            NotFound: no such incident, or the caller may not know of it.
        """
        reader = Reader.of(principal)
        incident = self._get(incident_id)
        seen = redact(incident, reader, self.records.visibility)
        if seen is None:
            raise NotFound(f"incident {incident_id}")
        return incident_view(seen, reader, is_full(reader, incident))

    def search(
        self, principal: Principal, query: IncidentQuery, page: PageRequest
    ) -> Page[dict[str, Any]]:
        """One page of the incidents matching ``query`` that ``principal`` may see, newest
        report first, each as :func:`~.redaction.incident_view` gives it."""
        reader = Reader.of(principal)
        if not principal.can(Permission.INTEL_READ_RESTRICTED):
            principal.require(Permission.REGISTRY_READ_PUBLIC)
            query = replace(query, public_only=True)
        elif not reader.overseer:
            query = replace(query, holders=reader.holder_ids)
        found = self.store.search_incidents(query, page)
        items = self._views(principal, found.items)
        return Page(items, found.total, found.offset, found.limit)

    def list(
        self, principal: Principal, status: IncidentStatus | None = None
    ) -> list[dict[str, Any]]:
        """The incidents ``principal`` may see, oldest report first."""
        return self._views(principal, self.store.list_incidents(status))

    def readable(
        self, principal: Principal, incidents: Iterable[Incident]
    ) -> builtins.list[Incident]:
        """``incidents`` as ``principal`` may read them (unreadable ones left out)."""
        reader = Reader.of(principal)
        seen = (redact(i, reader, self.records.visibility) for i in incidents)
        return [i for i in seen if i is not None]

    def _views(
        self, principal: Principal, incidents: Iterable[Incident]
    ) -> builtins.list[dict[str, Any]]:
        reader = Reader.of(principal)
        views = []
        for incident in incidents:
            seen = redact(incident, reader, self.records.visibility)
            if seen is not None:
                views.append(incident_view(seen, reader, is_full(reader, incident)))
        return views

    def _check_links(self, links: tuple[Attribution, ...]) -> None:
        for n, link in enumerate(links):
            found = self.records.record_type(link.target_id)
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
        incident = self.store.get_incident(incident_id)
        if incident is None:
            raise NotFound(f"incident {incident_id}")
        return incident

    def _record(
        self, principal: Principal, verb: str, target: str, payload: dict[str, Any]
    ) -> None:
        self.audit.append(AuditRecord(_actor(principal), verb, target, self.clock(), payload))


def _actor(principal: Principal) -> str:
    return principal.user_id or "anonymous"
