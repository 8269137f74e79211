"""Pages of the vulnerability equities register for the state bodies of a state: the
register (overdue reviews flagged), a form to record a vulnerability, and an
entry with its history and a form per verb the table allows. Every action goes through
``EquitiesService``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from pallmall.api.deps import Caller
from pallmall.api.equities import ReadRegister, Register
from pallmall.core.paging import PageRequest
from pallmall.equities import DecisionIn, Equity, Manner, Outcome, VulnerabilityIn
from pallmall.equities.model import EscalationIn, VulnerabilityQuery
from pallmall.web.pages import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=5000)]
Short = Annotated[str, Form(max_length=300)]


@router.get("/equities", response_class=HTMLResponse)
def register_page(
    request: Request, caller: Caller, register: ReadRegister, overdue: bool = False
) -> HTMLResponse:
    """The register of the caller's states, soonest review first."""
    today = register.clock().date()
    query = VulnerabilityQuery(overdue_on=today if overdue else None)
    page = register.search(caller, query, PageRequest(0, 500))
    states = register.states(caller)
    return render(
        request,
        "equities/register.html",
        caller=caller,
        page=page,
        today=today,
        overdue=overdue,
        states=sorted(states or ()),
        manners=list(Manner),
    )


@router.post("/equities")
def record(
    caller: Caller,
    register: Register,
    title: Short,
    product: Short,
    acquired_on: Annotated[date, Form()],
    manner: Annotated[Manner, Form()],
    cve: Annotated[str, Form(max_length=20)] = "",
    notes: Text = "",
) -> RedirectResponse:
    """Record a vulnerability the state holds."""
    details = VulnerabilityIn(
        title=title,
        product=product,
        acquired_on=acquired_on,
        manner=manner,
        cve=cve.strip() or None,
        notes=notes,
    )
    found = register.record(caller, details)
    return RedirectResponse(f"/equities/{found.id}", status_code=303)


@router.get("/equities/{vulnerability_id}", response_class=HTMLResponse)
def entry_page(
    vulnerability_id: str, request: Request, caller: Caller, register: ReadRegister
) -> HTMLResponse:
    """One entry: the decision in force, the proposal, history, and what may be done."""
    view = register.view(caller, vulnerability_id)
    return render(
        request,
        "equities/entry.html",
        caller=caller,
        view=view,
        v=view.vulnerability,
        verbs={v.value for v in view.verbs},
        today=register.clock().date(),
        outcomes=list(Outcome),
        equities=list(Equity),
    )


def _back(vulnerability_id: str) -> RedirectResponse:
    return RedirectResponse(f"/equities/{vulnerability_id}", status_code=303)


@router.post("/equities/{vulnerability_id}/propose")
def propose(
    vulnerability_id: str,
    caller: Caller,
    register: Register,
    outcome: Annotated[Outcome, Form()],
    rationale: Text,
    deciding_body: Short,
    defensive: Text = "",
    intelligence_law_enforcement: Text = "",
    commercial: Text = "",
    international_partnership: Text = "",
    review_on: Annotated[str, Form(max_length=10)] = "",
    vendor_notified_on: Annotated[str, Form(max_length=10)] = "",
) -> RedirectResponse:
    """Propose a decision; the equities left empty were not weighed."""
    weighed = {
        Equity.DEFENSIVE: defensive,
        Equity.INTELLIGENCE: intelligence_law_enforcement,
        Equity.COMMERCIAL: commercial,
        Equity.PARTNERSHIP: international_partnership,
    }
    body = DecisionIn.model_validate(
        {
            "outcome": outcome,
            "equities": {k.value: t for k, t in weighed.items() if t.strip()},
            "rationale": rationale,
            "deciding_body": deciding_body,
            "review_on": review_on or None,
            "vendor_notified_on": vendor_notified_on or None,
        }
    )
    register.propose(caller, vulnerability_id, body)
    return _back(vulnerability_id)


@router.post("/equities/{vulnerability_id}/approve")
def approve(vulnerability_id: str, caller: Caller, register: Register) -> RedirectResponse:
    """Approve the proposal (another user than its proposer)."""
    register.approve(caller, vulnerability_id)
    return _back(vulnerability_id)


@router.post("/equities/{vulnerability_id}/return")
def return_proposal(
    vulnerability_id: str, caller: Caller, register: Register, reason: Text
) -> RedirectResponse:
    """Send the proposal back."""
    register.return_proposal(caller, vulnerability_id, reason)
    return _back(vulnerability_id)


@router.post("/equities/{vulnerability_id}/escalate")
def escalate(
    vulnerability_id: str, caller: Caller, register: Register, to_body: Short, reason: Text
) -> RedirectResponse:
    """Escalate the proposal to another body."""
    register.escalate(caller, vulnerability_id, EscalationIn(to_body=to_body, reason=reason))
    return _back(vulnerability_id)


@router.post("/equities/{vulnerability_id}/vendor-notified")
def vendor_notified(
    vulnerability_id: str, caller: Caller, register: Register, on: Annotated[date, Form()]
) -> RedirectResponse:
    """Record when the vendor was notified."""
    register.notify_vendor(caller, vulnerability_id, on)
    return _back(vulnerability_id)


@router.post("/equities/{vulnerability_id}/cve")
def record_cve(
    vulnerability_id: str,
    caller: Caller,
    register: Register,
    cve: Annotated[str, Form(max_length=20)],
) -> RedirectResponse:
    """Record the CVE once public."""
    register.record_cve(caller, vulnerability_id, cve.strip())
    return _back(vulnerability_id)


@router.post("/equities/{vulnerability_id}/open")
def open_decisions(vulnerability_id: str, caller: Caller, register: Register) -> RedirectResponse:
    """Open the decision commitments in the log."""
    register.open(caller, vulnerability_id)
    return _back(vulnerability_id)
