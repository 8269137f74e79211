"""Equities register use cases over one unit of work: rights, the transition table, four
eyes, history, audit records and public changes (the log) in one transaction.

Rights: only users of state bodies (export authority, oversight body, state agency) with
``equities:decide`` whose account acts for the vulnerability's state see or touch it; anyone
else is told it does not exist. A vulnerability belongs to the state of the account that
recorded it, and every decision on it is that state's. The local operator (``SYSTEM``, the
CLI) reads everything but records and decides nothing: that is for users, two of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from pallmall.core.audit import AuditRecord, AuditSink
from pallmall.core.auth import STATE_BODIES, SYSTEM, Permission, Principal
from pallmall.core.changes import ChangeOutbox, PublicChange
from pallmall.core.clock import utcnow
from pallmall.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from pallmall.core.ids import new_id
from pallmall.core.paging import Page, PageRequest
from pallmall.equities.model import (
    DECIDED,
    Decision,
    DecisionIn,
    Escalation,
    EscalationIn,
    Status,
    Verb,
    Vulnerability,
    VulnerabilityEvent,
    VulnerabilityIn,
    VulnerabilityQuery,
)
from pallmall.equities.ports import EquitiesStore
from pallmall.equities.publish import decision_change, opening_change
from pallmall.equities.transitions import INITIAL, allowed_verbs, targets


@dataclass(frozen=True)
class VulnerabilityView:
    """A vulnerability with its history and the verbs the table allows next."""

    vulnerability: Vulnerability
    events: Sequence[VulnerabilityEvent]
    verbs: Sequence[Verb]


@dataclass
class EquitiesService:
    """The register over one unit of work."""

    store: EquitiesStore
    audit: AuditSink
    outbox: ChangeOutbox
    clock: Callable[[], datetime] = utcnow

    # -- rights ----------------------------------------------------------------------------

    def states(self, principal: Principal) -> frozenset[str] | None:
        """The states whose register ``principal`` may see (None: every state, the operator).

        Raises:
            Unauthenticated/Forbidden: no ``equities:decide``, or not a state body's user.
        """
        if principal == SYSTEM:
            return None
        principal.require(Permission.EQUITIES_DECIDE)
        if principal.account_kind not in STATE_BODIES or not principal.state:
            raise Forbidden("only users of a state body (with its state) see an equities register")
        return frozenset({principal.state})

    # -- reading ---------------------------------------------------------------------------

    def get(self, principal: Principal, vulnerability_id: str) -> Vulnerability:
        """The vulnerability, if ``principal`` may see it.

        Raises:
            NotFound: no such vulnerability, or one of a state the principal is not part of.
        """
        states = self.states(principal)
        found = self.store.get(vulnerability_id)
        if found is None or (states is not None and found.state not in states):
            raise NotFound(f"no vulnerability {vulnerability_id!r}")
        return found

    def view(self, principal: Principal, vulnerability_id: str) -> VulnerabilityView:
        """The vulnerability, its history and what may be done next."""
        found = self.get(principal, vulnerability_id)
        return VulnerabilityView(found, self.store.events(found.id), allowed_verbs(found.status))

    def search(
        self, principal: Principal, query: VulnerabilityQuery, page: PageRequest
    ) -> Page[Vulnerability]:
        """The vulnerabilities ``principal`` may see that match ``query``."""
        return self.store.search(query, self.states(principal), page)

    def overdue(self, principal: Principal, page: PageRequest) -> Page[Vulnerability]:
        """Retained vulnerabilities whose review date has passed (today, UTC)."""
        return self.search(principal, VulnerabilityQuery(overdue_on=self.clock().date()), page)

    # -- changing --------------------------------------------------------------------------

    def record(self, principal: Principal, details: VulnerabilityIn) -> Vulnerability:
        """Record a vulnerability the state of the principal's account holds (status
        ``held``).

        Raises:
            Forbidden: not a state body's user (the operator records nothing).
        """
        self.states(principal)
        if not principal.state:
            raise Forbidden("a vulnerability is recorded by a state body's user, for its state")
        now = self.clock()
        found = Vulnerability(
            id=new_id("vul"),
            state=principal.state,
            account_id=principal.account_id or "",
            recorded_by=principal.user_id or "",
            details=details,
            status=INITIAL,
            version=1,
            created_at=now,
            updated_at=now,
        )
        self.store.add(found)
        self._event(principal, found, Verb.RECORD, INITIAL, {"manner": details.manner.value})
        return found

    def propose(
        self, principal: Principal, vulnerability_id: str, body: DecisionIn
    ) -> Vulnerability:
        """Propose a decision (first pair of eyes); a review of a retained vulnerability is
        a new proposal."""
        found = self.get(principal, vulnerability_id)
        self._decider(principal)
        targets(found.status, Verb.PROPOSE)
        proposal = Decision(
            outcome=body.outcome,
            equities=dict(body.equities),
            rationale=body.rationale,
            deciding_body=body.deciding_body,
            proposed_by=principal.user_id or "",
            proposed_at=self.clock(),
            review_on=body.review_on,
            vendor_notified_on=body.vendor_notified_on,
        )
        changed = replace(found, proposal=proposal)
        return self._move(
            principal, changed, Verb.PROPOSE, Status.PROPOSED, {"outcome": body.outcome.value}
        )

    def escalate(
        self, principal: Principal, vulnerability_id: str, body: EscalationIn
    ) -> Vulnerability:
        """Send the proposal up to ``body.to_body``; it becomes the deciding body."""
        found = self.get(principal, vulnerability_id)
        targets(found.status, Verb.ESCALATE)
        assert found.proposal is not None  # status proposed always carries one
        step = Escalation(body.to_body, body.reason, principal.user_id or "", self.clock())
        proposal = replace(
            found.proposal,
            deciding_body=body.to_body,
            escalations=(*found.proposal.escalations, step),
        )
        payload = {"to_body": body.to_body, "reason": body.reason}
        return self._move(
            principal, replace(found, proposal=proposal), Verb.ESCALATE, Status.PROPOSED, payload
        )

    def return_proposal(
        self, principal: Principal, vulnerability_id: str, reason: str
    ) -> Vulnerability:
        """Send the proposal back undecided: the status the last decision gave returns."""
        if not reason.strip():
            raise InvalidInput("reason", "say why the proposal goes back")
        found = self.get(principal, vulnerability_id)
        targets(found.status, Verb.RETURN)
        changed = replace(found, proposal=None)
        return self._move(
            principal, changed, Verb.RETURN, found.settled, {"reason": reason.strip()}
        )

    def approve(self, principal: Principal, vulnerability_id: str) -> Vulnerability:
        """Approve the proposal (second pair of eyes) and commit to it in the log.

        Raises:
            Forbidden: the approver is the proposer (four eyes by identity).
        """
        found = self.get(principal, vulnerability_id)
        self._decider(principal)
        targets(found.status, Verb.APPROVE)
        assert found.proposal is not None  # status proposed always carries one
        if found.proposal.proposed_by == principal.user_id:
            raise Forbidden("four eyes: a decision is approved by another user than its proposer")
        now = self.clock()
        decision = replace(found.proposal, approved_by=principal.user_id, approved_at=now)
        changed = replace(found, decision=decision, proposal=None)
        if decision.vendor_notified_on is not None:
            changed = replace(changed, vendor_notified_on=decision.vendor_notified_on)
        moved = self._move(
            principal,
            changed,
            Verb.APPROVE,
            DECIDED[decision.outcome],
            {"outcome": decision.outcome.value},
        )
        self.outbox.add(decision_change(moved, decision, now))
        return moved

    def notify_vendor(self, principal: Principal, vulnerability_id: str, on: date) -> Vulnerability:
        """Record the date the vendor of a disclosed vulnerability was notified."""
        found = self.get(principal, vulnerability_id)
        targets(found.status, Verb.NOTIFY_VENDOR)
        if on < found.details.acquired_on:
            raise InvalidInput("on", "the vendor cannot be notified before it was acquired")
        changed = replace(found, vendor_notified_on=on)
        return self._move(
            principal, changed, Verb.NOTIFY_VENDOR, found.status, {"on": on.isoformat()}
        )

    def record_cve(self, principal: Principal, vulnerability_id: str, cve: str) -> Vulnerability:
        """Record the CVE of a disclosed vulnerability once it is public."""
        found = self.get(principal, vulnerability_id)
        targets(found.status, Verb.RECORD_CVE)
        try:
            details = VulnerabilityIn.model_validate({**found.details.model_dump(), "cve": cve})
        except ValidationError:
            raise InvalidInput("cve", f"{cve!r} is not a CVE id (CVE-YYYY-NNNN)") from None
        changed = replace(found, details=details)
        return self._move(principal, changed, Verb.RECORD_CVE, found.status, {"cve": details.cve})

    def open(self, principal: Principal, vulnerability_id: str) -> PublicChange:
        """Open every decision commitment of a disclosed vulnerability in the log; return the
        opening (it waits in the outbox like any public change).

        Raises:
            Conflict: already opened, or a commitment is not in the log yet (try again once
                the publisher has run).
        """
        found = self.get(principal, vulnerability_id)
        targets(found.status, Verb.OPEN)
        if found.opened_at is not None:
            raise Conflict(f"the decisions on {found.id} were opened at {found.opened_at}")
        commitments = self.store.commitments(found.id)
        if not commitments or any(c.index is None or c.salt is None for c in commitments):
            raise Conflict("a decision commitment is not in the log yet: try again shortly")
        now = self.clock()
        change = opening_change(found, commitments, now)
        self.outbox.add(change)
        changed = replace(found, opened_at=now)
        self._move(principal, changed, Verb.OPEN, found.status, {"opened": len(commitments)})
        return change

    # -- helpers ---------------------------------------------------------------------------

    def _decider(self, principal: Principal) -> None:
        if principal == SYSTEM or not principal.user_id:
            raise Forbidden("decisions are taken by users (the CLI: --as an e-mail)")

    def _move(
        self,
        principal: Principal,
        changed: Vulnerability,
        verb: Verb,
        to: Status,
        payload: dict[str, Any],
    ) -> Vulnerability:
        if to not in targets(changed.status, verb):
            raise Conflict(f"{verb.value} cannot lead to {to.value}")
        moved = replace(changed, status=to, version=changed.version + 1, updated_at=self.clock())
        self.store.save(moved, changed.version)
        self._event(principal, moved, verb, changed.status, payload)
        return moved

    def _event(
        self,
        principal: Principal,
        found: Vulnerability,
        verb: Verb,
        before: Status,
        payload: dict[str, Any],
    ) -> None:
        actor = principal.user_id or "anonymous"
        event = VulnerabilityEvent(self.clock(), actor, verb, before, found.status, payload)
        self.store.append_event(found.id, event)
        self._audit(principal, f"equities.{verb.value}", found.id, payload)

    def _audit(self, principal: Principal, verb: str, target: str, payload: dict[str, Any]) -> None:
        actor = principal.user_id or "anonymous"
        self.audit.append(AuditRecord(actor, verb, target, self.clock(), payload))
