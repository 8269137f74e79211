"""Pages for caseworkers (queue, case with findings and evidence, decision form) and vendors
(file and follow an application). Plain forms; every action goes through ``CaseService``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from pallmall.api.cases import preview_out
from pallmall.api.deps import Caller, Cases, ReadCases, Reading
from pallmall.cases.filing import file_licence
from pallmall.cases.model import (
    Action,
    AdviceOutcome,
    CaseQuery,
    EndUse,
    LicenceApplication,
    PartyIn,
    PartyRole,
    Verb,
)
from pallmall.core.auth import Permission
from pallmall.core.errors import InvalidInput
from pallmall.core.paging import PageRequest
from pallmall.registry.model import RecordType
from pallmall.registry.store import RecordQuery
from pallmall.storage.cases import SqlCaseStore
from pallmall.storage.database import Tx
from pallmall.web.pages import render

router = APIRouter(include_in_schema=False)


Text = Annotated[str, Form(max_length=5000)]


@router.get("/cases", response_class=HTMLResponse)
def queue(request: Request, caller: Caller, cases: ReadCases) -> HTMLResponse:
    """The caller's cases, newest first: a caseworker's queue, a vendor's applications."""
    page = cases.search(caller, CaseQuery(), PageRequest(0, 200))
    return render(request, "cases/queue.html", caller=caller, cases=page)


@router.get("/cases/new", response_class=HTMLResponse)
def new_form(request: Request, caller: Caller, tx: Reading) -> HTMLResponse:
    """The application form (vendors)."""
    caller.require(Permission.CASES_FILE)
    return render(request, "cases/new.html", caller=caller, **_form_choices(tx))


def _form_choices(tx: Tx) -> dict[str, Any]:
    query = RecordQuery(type=RecordType.PRODUCT)
    found = tx.registry.search(query, PageRequest(0, 500)).items
    return {
        "authorities": SqlCaseStore(tx.conn).authorities(),
        "products": [(s.id, s.record.name) for s in found],
        "end_uses": list(EndUse),
    }


@router.post("/cases/new")
def file_application(
    request: Request,
    caller: Caller,
    cases: Cases,
    authority_id: Annotated[str, Form(max_length=64)],
    product_id: Annotated[str, Form(max_length=64)],
    destination: Annotated[str, Form(max_length=2)],
    end_user: Annotated[str, Form(max_length=300)],
    end_use: Text,
    end_use_category: Annotated[EndUse, Form()],
    quantity: Annotated[int, Form(ge=1, le=1_000_000)] = 1,
    end_user_country: Annotated[str, Form(max_length=2)] = "",
    consignee: Annotated[str, Form(max_length=300)] = "",
    undertaking: Text = "",
) -> RedirectResponse:
    """File the application and submit it (due diligence runs at once)."""
    parties = [PartyIn(role=PartyRole.END_USER, name=end_user, country=end_user_country or None)]
    if consignee.strip():
        parties.append(PartyIn(role=PartyRole.CONSIGNEE, name=consignee))
    app = LicenceApplication(
        authority_id=authority_id,
        product_id=product_id,
        quantity=quantity,
        destination=destination.upper(),
        parties=tuple(parties),
        end_use=end_use,
        end_use_category=end_use_category,
        end_user_undertaking=undertaking,
    )
    case = file_licence(cases, caller, app)
    cases.act(caller, case.id, Action(verb=Verb.SUBMIT))
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: str, request: Request, caller: Caller, cases: ReadCases) -> HTMLResponse:
    """One case: status, application, findings with evidence, history, messages, actions."""
    view = cases.view(caller, case_id)
    run = view.runs[-1] if view.runs else None
    return render(
        request,
        "cases/case.html",
        caller=caller,
        view=view,
        case=view.case,
        run=run,
        outcomes=list(AdviceOutcome),
    )


class DecisionForm:
    """The decision form's fields, read once for both the preview and the act."""

    def __init__(
        self,
        verb: Annotated[Verb, Form()],
        outcome: Annotated[str, Form(max_length=40)] = "",
        grounds: Text = "",
        conditions: Text = "",
        reason: Text = "",
        public_statement: Text = "",
        undercut_justification: Text = "",
    ) -> None:
        self.fields = {
            "verb": verb.value,
            "outcome": outcome,
            "grounds": grounds,
            "conditions": conditions,
            "reason": reason,
            "public_statement": public_statement,
            "undercut_justification": undercut_justification,
        }
        try:
            chosen = AdviceOutcome(outcome) if outcome else None
        except ValueError:
            raise InvalidInput("outcome", f"{outcome!r} is not an outcome") from None
        self.action = Action(
            verb=verb,
            outcome=chosen,
            grounds=_lines(grounds),
            conditions=_lines(conditions),
            reason=reason,
            public_statement=public_statement,
            undercut_justification=undercut_justification,
        )


Decided = Annotated[DecisionForm, Depends()]


@router.post("/cases/{case_id}/preview", response_class=HTMLResponse)
def preview(
    case_id: str, request: Request, caller: Caller, cases: ReadCases, form: Decided
) -> HTMLResponse:
    """What the decision would publish, before it is taken: the public fields as the log
    will hold them, the fields only committed to, and a button that takes the decision."""
    shown = preview_out(cases.preview(caller, case_id, form.action))
    return render(
        request,
        "cases/preview.html",
        caller=caller,
        case_id=case_id,
        preview=shown,
        fields=form.fields,
    )


@router.post("/cases/{case_id}/act")
def act(case_id: str, caller: Caller, cases: Cases, form: Decided) -> RedirectResponse:
    """Apply a verb from the decision form."""
    cases.act(caller, case_id, form.action)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/message")
def message(case_id: str, caller: Caller, cases: Cases, text: Text) -> RedirectResponse:
    """Send a request for information, or answer one."""
    cases.message(caller, case_id, text)
    return RedirectResponse(f"/cases/{case_id}#messages", status_code=303)


def _lines(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.replace(",", "\n").splitlines() if p.strip())
