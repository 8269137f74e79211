"""``/api/v1/cases``: licence applications, restriction cases, procurement checks and use
authorisations; transitions, classification, requests for information, due diligence,
denial notices and the policy rules in force."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from pallmall.api import problems
from pallmall.api.deps import Caller, Cases, Limit, Offset, ReadCases
from pallmall.api.schemas import PageOut, page_out
from pallmall.cases.filing import (
    check_procurement,
    file_licence,
    file_use_authorisation,
    open_restriction,
)
from pallmall.cases.model import (
    Action,
    Case,
    CaseEvent,
    CaseKind,
    CaseQuery,
    CaseStatus,
    Classification,
    DiligenceRun,
    LicenceApplication,
    Message,
    Notification,
    ProcurementRequest,
    RestrictionRequest,
    UseAuthorisationRequest,
)
from pallmall.cases.service import CaseView, Preview, require_any
from pallmall.core.auth import Permission
from pallmall.core.paging import PageRequest
from pallmall.policy import shipped_rules

router = APIRouter(prefix="/api/v1/cases", tags=["cases"], responses=problems.RESPONSES)


class CaseOut(BaseModel):
    """A case: status, version, where it goes, what was filed and decided."""

    id: str
    kind: CaseKind
    status: CaseStatus
    version: int
    title: str
    authority_id: str
    account_id: str
    destination: str
    product_category: str
    subject_id: str
    top_severity: str | None
    created_at: datetime
    updated_at: datetime
    details: dict[str, Any]
    state: dict[str, Any]


class EventOut(BaseModel):
    """One history entry."""

    at: datetime
    actor: str
    verb: str
    from_status: str
    to_status: str
    payload: dict[str, Any]


class ListChangeOut(BaseModel):
    """A list entry a party matched in the previous run that a newer list version delisted
    or changed (``change``), and why the findings moved (``text`` says it in one line)."""

    list_id: str
    entry_id: str
    entry_name: str
    change: str
    from_version: str
    to_version: str
    fields: list[str]
    matched: list[str]
    now: list[str]
    before: list[str]
    after: list[str]
    text: str


class RunOut(BaseModel):
    """One due-diligence run with its findings and evidence, and the list changes noted
    since the previous run."""

    at: datetime
    trigger: str
    stamp: str
    rules_version: str
    findings: list[dict[str, Any]]
    evidence: dict[str, Any]
    notes: list[str]
    list_changes: list[ListChangeOut]


class MessageOut(BaseModel):
    """A request for information or an answer."""

    at: datetime
    author: str
    kind: str
    text: str


class CaseDetailOut(BaseModel):
    """A case with its history, due diligence (caseworkers only), messages and the verbs
    the caller may use now."""

    case: CaseOut
    events: list[EventOut]
    diligence: list[RunOut]
    messages: list[MessageOut]
    verbs: list[str]


class NotificationOut(BaseModel):
    """A denial notice from another authority."""

    id: str
    at: datetime
    case_id: str
    from_authority: str
    to_authority: str
    summary: dict[str, Any]


class MessageIn(BaseModel):
    """The text of a request for information or of an answer."""

    text: str = Field(min_length=1, max_length=5000)


class RecheckOut(BaseModel):
    """The cases whose due diligence was re-run."""

    rechecked: list[str]


def case_out(case: Case) -> CaseOut:
    """The API shape of a case."""
    return CaseOut(
        id=case.id,
        kind=case.kind,
        status=case.status,
        version=case.version,
        title=case.title,
        authority_id=case.authority_id,
        account_id=case.account_id,
        destination=case.destination,
        product_category=case.product_category,
        subject_id=case.subject_id,
        top_severity=case.top_severity.value if case.top_severity else None,
        created_at=case.created_at,
        updated_at=case.updated_at,
        details=case.details.model_dump(mode="json"),
        state=case.state.as_json(),
    )


def run_out(run: DiligenceRun) -> RunOut:
    """The API shape of a due-diligence run."""
    return RunOut(
        at=run.at,
        trigger=run.trigger,
        stamp=run.stamp,
        rules_version=run.rules_version,
        findings=[f.as_dict() for f in run.findings],
        evidence=run.evidence.as_dict(),
        notes=list(run.notes),
        list_changes=[
            ListChangeOut(**{**dataclasses.asdict(n), "text": n.text}) for n in run.list_changes
        ],
    )


def message_out(m: Message) -> MessageOut:
    """The API shape of a message."""
    return MessageOut(at=m.at, author=m.author, kind=m.kind.value, text=m.text)


def event_out(e: CaseEvent) -> EventOut:
    """The API shape of a history entry."""
    return EventOut(
        at=e.at,
        actor=e.actor,
        verb=e.verb.value,
        from_status=e.from_status.value,
        to_status=e.to_status.value,
        payload=dict(e.payload),
    )


def detail_out(view: CaseView) -> CaseDetailOut:
    """The API shape of a case view."""
    return CaseDetailOut(
        case=case_out(view.case),
        events=[event_out(e) for e in view.events],
        diligence=[run_out(r) for r in view.runs],
        messages=[message_out(m) for m in view.messages],
        verbs=[v.value for v in view.verbs],
    )


def notification_out(n: Notification) -> NotificationOut:
    """The API shape of a denial notice."""
    return NotificationOut(**{**n.__dict__, "summary": dict(n.summary)})


@router.get("", response_model=PageOut[CaseOut])
def list_cases(
    caller: Caller,
    cases: ReadCases,
    kind: CaseKind | None = None,
    status: CaseStatus | None = None,
    destination: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    open_only: bool = False,
    offset: Offset = 0,
    limit: Limit = 50,
) -> PageOut[CaseOut]:
    """Cases the caller may see (filers: their own; caseworkers: their authority's;
    oversight: all), newest first, paged and filtered."""
    query = CaseQuery(kind=kind, status=status, destination=destination, open_only=open_only)
    return page_out(cases.search(caller, query, PageRequest(offset, limit)), case_out)


@router.post("/licences", response_model=CaseOut, status_code=status.HTTP_201_CREATED)
def create_licence(caller: Caller, cases: Cases, body: LicenceApplication) -> CaseOut:
    """File a draft licence application (a vendor account); submit it with the ``submit``
    transition."""
    return case_out(file_licence(cases, caller, body))


@router.post("/restrictions", response_model=CaseOut, status_code=status.HTTP_201_CREATED)
def create_restriction(caller: Caller, cases: Cases, body: RestrictionRequest) -> CaseOut:
    """Open a vendor restriction case (an export authority's officer)."""
    return case_out(open_restriction(cases, caller, body))


@router.post("/procurement", response_model=CaseOut, status_code=status.HTTP_201_CREATED)
def create_procurement(caller: Caller, cases: Cases, body: ProcurementRequest) -> CaseOut:
    """Run a procurement check (a state agency account): go / no-go with reasons."""
    return case_out(check_procurement(cases, caller, body))


@router.post("/authorisations", response_model=CaseOut, status_code=status.HTTP_201_CREATED)
def create_authorisation(caller: Caller, cases: Cases, body: UseAuthorisationRequest) -> CaseOut:
    """File a draft use authorisation (a state agency account)."""
    return case_out(file_use_authorisation(cases, caller, body))


@router.get("/notifications", response_model=PageOut[NotificationOut])
def notifications(
    caller: Caller, cases: ReadCases, offset: Offset = 0, limit: Limit = 50
) -> PageOut[NotificationOut]:
    """Denial notices from other authorities to the caller's authority, newest first."""
    return page_out(cases.notifications(caller, PageRequest(offset, limit)), notification_out)


@router.get("/authorities", response_model=dict[str, str])
def authorities(caller: Caller, cases: ReadCases) -> dict[str, str]:
    """Export authorities on this node (id -> name), to address an application."""
    require_any(caller, (Permission.CASES_FILE, Permission.CASES_DECIDE, Permission.CASES_OVERSEE))
    return dict(cases.store.authorities())


class ApproverOut(BaseModel):
    """Someone who may sign off a use authorisation: name ``id`` as its ``approver``."""

    id: str
    name: str
    email: str
    account: str


@router.get("/approvers", response_model=list[ApproverOut])
def approvers(caller: Caller, cases: ReadCases) -> list[ApproverOut]:
    """Who the caller may name as the approver of a use authorisation: active overseers
    outside the caller's account, never the caller (four eyes by identity)."""
    return [
        ApproverOut(
            id=u.id, name=u.name, email=u.email, account=u.account.name if u.account else ""
        )
        for u in cases.approvers(caller)
    ]


@router.get("/policy")
def policy() -> dict[str, Any]:
    """The policy rules in force, with their versions and citations (public)."""
    rules = shipped_rules()
    return {
        "ruleset": rules.name,
        "version": rules.version,
        "published": rules.published.isoformat(),
        "rules": [
            {
                **r.__dict__,
                "kind": r.kind.value,
                "severity": r.severity.value,
                "params": dict(r.params),
            }
            for r in rules.rules
        ],
        "procurement": {
            "citation": rules.procurement_citation,
            "factors": [f.__dict__ for f in rules.procurement_factors],
        },
    }


@router.post("/recheck", response_model=RecheckOut)
def recheck(caller: Caller, cases: Cases) -> RecheckOut:
    """Re-run due diligence on open licence cases whose lists or registry changed since
    their last run."""
    return RecheckOut(rechecked=cases.recheck(caller))


@router.get("/{case_id}", response_model=CaseDetailOut)
def get_case(case_id: str, caller: Caller, cases: ReadCases) -> CaseDetailOut:
    """One case with its history, findings and evidence (caseworkers), and messages."""
    return detail_out(cases.view(caller, case_id))


@router.post("/{case_id}/transitions", response_model=CaseOut)
def transition(case_id: str, caller: Caller, cases: Cases, body: Action) -> CaseOut:
    """Apply a verb from the case kind's transition table (anything else: 409)."""
    return case_out(cases.shown(caller, cases.act(caller, case_id, body)))


PUBLISHED_WARNING = "This text will be published, permanently: the transparency log never forgets."


class PublishedOut(BaseModel):
    """What a decision appends to the transparency log: its kind, the fields anyone can read,
    and the names of the fields only committed to (their values stay on the node)."""

    kind: str
    public: dict[str, Any]
    committed: list[str]


class PreviewOut(BaseModel):
    """A dry run of a transition: the status it leads to and what it would publish."""

    status: CaseStatus
    published: PublishedOut | None
    warning: str


def preview_out(preview: Preview) -> PreviewOut:
    """The API form of a dry run."""
    change = preview.change
    published = None
    if change is not None:
        public = dict(change.public)
        published = PublishedOut(
            kind=change.kind, public=public, committed=sorted(change.confidential)
        )
    warning = PUBLISHED_WARNING if published else "Nothing of this step is published."
    return PreviewOut(status=preview.status, published=published, warning=warning)


@router.post("/{case_id}/transitions/preview", response_model=PreviewOut)
def preview_transition(case_id: str, caller: Caller, cases: ReadCases, body: Action) -> PreviewOut:
    """A dry run of a transition: the same checks and errors as taking it, nothing stored;
    shows exactly what the transparency log would publish (``public``), which is permanent."""
    return preview_out(cases.preview(caller, case_id, body))


@router.post("/{case_id}/classification", response_model=CaseOut)
def classify(case_id: str, caller: Caller, cases: Cases, body: Classification) -> CaseOut:
    """Classify an open licence case: listed, EU Art. 5 (either path) or excluded."""
    return case_out(cases.shown(caller, cases.classify(caller, case_id, body)))


@router.post("/{case_id}/messages", response_model=MessageOut, status_code=status.HTTP_201_CREATED)
def post_message(case_id: str, caller: Caller, cases: Cases, body: MessageIn) -> MessageOut:
    """A request for information (caseworker) or the filer's answer."""
    return message_out(cases.message(caller, case_id, body.text))


@router.post("/{case_id}/diligence", response_model=CaseDetailOut)
def rerun(case_id: str, caller: Caller, cases: Cases) -> CaseDetailOut:
    """Re-run due diligence on an open licence case now."""
    case = cases.get(caller, case_id)
    cases.run_diligence(caller, case, "manual")
    return detail_out(cases.view(caller, case_id))
