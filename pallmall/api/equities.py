"""``/api/v1/equities``: the vulnerability equities register (state bodies of the holding
state only: the state their account acts for) and the public check of an opening against the log."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field

from pallmall.api import problems
from pallmall.api.deps import Caller, Limit, Log, Offset, Reading, Writing
from pallmall.api.schemas import PageOut, page_out
from pallmall.core.errors import NotFound
from pallmall.core.paging import PageRequest
from pallmall.equities import (
    DecisionIn,
    EquitiesService,
    OpenedDecision,
    Status,
    Vulnerability,
    VulnerabilityIn,
    verify_opening,
)
from pallmall.equities.model import Cve, EscalationIn, VulnerabilityQuery
from pallmall.equities.service import VulnerabilityView
from pallmall.log import parse_entry
from pallmall.wiring import equities_service

router = APIRouter(prefix="/api/v1/equities", tags=["equities"], responses=problems.RESPONSES)
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


build_service = equities_service


def service(tx: Writing) -> EquitiesService:
    """The register for one request that writes."""
    return build_service(tx)


def reading_service(tx: Reading) -> EquitiesService:
    """The register for one request that only reads."""
    return build_service(tx)


Register = Annotated[EquitiesService, Depends(service)]
ReadRegister = Annotated[EquitiesService, Depends(reading_service)]


class VulnerabilityOut(BaseModel):
    """A vulnerability: where it stands, the decision in force and the one proposed."""

    id: str
    state: str
    status: Status
    version: int
    details: VulnerabilityIn
    next_review: date | None
    overdue: bool
    vendor_notified_on: date | None
    opened_at: datetime | None
    decision: dict[str, Any] | None
    proposal: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


class EventOut(BaseModel):
    """One history entry."""

    at: datetime
    actor: str
    verb: str
    from_status: str
    to_status: str
    payload: dict[str, Any]


class VulnerabilityDetailOut(BaseModel):
    """A vulnerability with its history and the verbs allowed next."""

    vulnerability: VulnerabilityOut
    events: list[EventOut]
    verbs: list[str]


class ReturnIn(BaseModel):
    """Why a proposal goes back."""

    model_config = _STRICT
    reason: str = Field(min_length=1, max_length=5000)


class VendorNotifiedIn(BaseModel):
    """The date the vendor was notified."""

    model_config = _STRICT
    on: date


class CveIn(BaseModel):
    """The CVE assigned once the vulnerability is public."""

    model_config = _STRICT
    cve: Cve


class OpeningOut(BaseModel):
    """The opening put in the outbox: its subject and public fields."""

    kind: str
    subject: str
    public: dict[str, Any]


class OpenedDecisionOut(BaseModel):
    """A decision an opening revealed, checked against its commitment."""

    index: int
    time: str
    subject: str
    outcome: str
    decision: dict[str, Any]


def vulnerability_out(v: Vulnerability, today: date | None = None) -> VulnerabilityOut:
    """The API shape of a vulnerability (``overdue`` as of ``today``, UTC)."""
    today = today or datetime.now(UTC).date()
    return VulnerabilityOut(
        id=v.id,
        state=v.state,
        status=v.status,
        version=v.version,
        details=v.details,
        next_review=v.next_review,
        overdue=v.overdue(today),
        vendor_notified_on=v.vendor_notified_on,
        opened_at=v.opened_at,
        decision=v.decision.to_json() if v.decision else None,
        proposal=v.proposal.to_json() if v.proposal else None,
        created_at=v.created_at,
        updated_at=v.updated_at,
    )


def detail_out(view: VulnerabilityView) -> VulnerabilityDetailOut:
    """The API shape of a vulnerability with its history."""
    return VulnerabilityDetailOut(
        vulnerability=vulnerability_out(view.vulnerability),
        events=[
            EventOut(
                at=e.at,
                actor=e.actor,
                verb=e.verb.value,
                from_status=e.from_status.value,
                to_status=e.to_status.value,
                payload=dict(e.payload),
            )
            for e in view.events
        ],
        verbs=[v.value for v in view.verbs],
    )


def opened_out(d: OpenedDecision) -> OpenedDecisionOut:
    """The API shape of a checked, opened decision."""
    return OpenedDecisionOut(
        index=d.index, time=d.time, subject=d.subject, outcome=d.outcome, decision=dict(d.decision)
    )


@router.get("", response_model=PageOut[VulnerabilityOut])
def list_vulnerabilities(
    caller: Caller,
    register: ReadRegister,
    state: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    status: Status | None = None,
    overdue: bool = False,
    offset: Offset = 0,
    limit: Limit = 50,
) -> PageOut[VulnerabilityOut]:
    """The vulnerabilities of the state the caller's body acts for; ``overdue``: only those
    whose review date has passed. Soonest review first."""
    today = register.clock().date()
    query = VulnerabilityQuery(state=state, status=status, overdue_on=today if overdue else None)
    page = register.search(caller, query, PageRequest(offset, limit))
    return page_out(page, lambda v: vulnerability_out(v, today))


@router.post("", response_model=VulnerabilityOut, status_code=status.HTTP_201_CREATED)
def record(caller: Caller, register: Register, body: VulnerabilityIn) -> VulnerabilityOut:
    """Record a vulnerability the state of the caller's account holds."""
    return vulnerability_out(register.record(caller, body))


@router.get("/openings/{index}", response_model=list[OpenedDecisionOut])
def check_opening(index: int, tlog: Log) -> list[OpenedDecisionOut]:
    """Check the opening at log index ``index`` against the decision entries it opens, on
    this node's log (anyone; to check without trusting the node, run ``pallmall equities
    verify`` against the log's tiles)."""
    if index < 0:
        raise NotFound(f"no log entry {index}")
    opening = parse_entry(tlog.entry(index))
    return [opened_out(d) for d in verify_opening(opening, index, tlog.entry)]


@router.get("/{vulnerability_id}", response_model=VulnerabilityDetailOut)
def get_vulnerability(
    vulnerability_id: str, caller: Caller, register: ReadRegister
) -> VulnerabilityDetailOut:
    """A vulnerability with its history and the verbs allowed next."""
    return detail_out(register.view(caller, vulnerability_id))


@router.post("/{vulnerability_id}/proposal", response_model=VulnerabilityOut)
def propose(
    vulnerability_id: str, caller: Caller, register: Register, body: DecisionIn
) -> VulnerabilityOut:
    """Propose a decision (a review of a retained vulnerability is a new proposal)."""
    return vulnerability_out(register.propose(caller, vulnerability_id, body))


@router.post("/{vulnerability_id}/escalation", response_model=VulnerabilityOut)
def escalate(
    vulnerability_id: str, caller: Caller, register: Register, body: EscalationIn
) -> VulnerabilityOut:
    """Escalate the proposal to another body, which becomes the deciding body."""
    return vulnerability_out(register.escalate(caller, vulnerability_id, body))


@router.post("/{vulnerability_id}/return", response_model=VulnerabilityOut)
def return_proposal(
    vulnerability_id: str, caller: Caller, register: Register, body: ReturnIn
) -> VulnerabilityOut:
    """Send the proposal back undecided."""
    return vulnerability_out(register.return_proposal(caller, vulnerability_id, body.reason))


@router.post("/{vulnerability_id}/approval", response_model=VulnerabilityOut)
def approve(vulnerability_id: str, caller: Caller, register: Register) -> VulnerabilityOut:
    """Approve the proposal (another user than its proposer); its commitment goes to the log."""
    return vulnerability_out(register.approve(caller, vulnerability_id))


@router.post("/{vulnerability_id}/vendor-notified", response_model=VulnerabilityOut)
def vendor_notified(
    vulnerability_id: str, caller: Caller, register: Register, body: VendorNotifiedIn
) -> VulnerabilityOut:
    """Record when the vendor of a disclosed vulnerability was notified."""
    return vulnerability_out(register.notify_vendor(caller, vulnerability_id, body.on))


@router.post("/{vulnerability_id}/cve", response_model=VulnerabilityOut)
def record_cve(
    vulnerability_id: str, caller: Caller, register: Register, body: CveIn
) -> VulnerabilityOut:
    """Record the CVE of a disclosed vulnerability."""
    return vulnerability_out(register.record_cve(caller, vulnerability_id, body.cve))


@router.post(
    "/{vulnerability_id}/opening", response_model=OpeningOut, status_code=status.HTTP_201_CREATED
)
def open_decisions(vulnerability_id: str, caller: Caller, register: Register) -> OpeningOut:
    """Open every decision commitment of a disclosed vulnerability in the log (409 while a
    commitment still waits for the log)."""
    change = register.open(caller, vulnerability_id)
    return OpeningOut(kind=change.kind, subject=change.subject, public=dict(change.public))
