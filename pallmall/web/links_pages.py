"""The registry-links page: regulators and admins link accounts to their registry
organisations and confirm claims; a vendor claims its own. Every action goes through
:class:`pallmall.core.links.LinkService`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from pallmall.api.deps import Caller, Reading, Writing
from pallmall.core.auth import AccountKind, Permission, Principal
from pallmall.core.errors import Forbidden
from pallmall.storage.links import account_names
from pallmall.web.pages import render
from pallmall.wiring import link_service

router = APIRouter(include_in_schema=False)
RecordId = Annotated[str, Form(min_length=1, max_length=64)]
PAGE = "/accounts/registry-links"


def _confirmer(caller: Principal) -> bool:
    return caller.can(Permission.CASES_DECIDE) or caller.can(Permission.USERS_MANAGE)


@router.get(PAGE, response_class=HTMLResponse)
def links_page(request: Request, caller: Caller, tx: Reading) -> HTMLResponse:
    """Links and claims (regulators, admins); a vendor's own link and its claim form."""
    service = link_service(tx)
    confirmer = _confirmer(caller)
    if confirmer:
        links = service.all(caller)
    elif caller.account_kind is AccountKind.VENDOR and caller.account_id:
        own = service.get(caller, caller.account_id)
        links = [own] if own else []
    else:
        raise Forbidden("registry links are managed by regulators and admins")
    return render(
        request,
        "accounts/links.html",
        caller=caller,
        links=links,
        confirmer=confirmer,
        accounts=account_names(tx.conn),
        vendors=account_names(tx.conn, AccountKind.VENDOR),
    )


@router.post(PAGE)
def set_link(
    caller: Caller, tx: Writing, account_id: RecordId, registry_id: RecordId
) -> RedirectResponse:
    """Link an account (confirmed)."""
    link_service(tx).link(caller, account_id, registry_id)
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/claim")
def claim(caller: Caller, tx: Writing, registry_id: RecordId) -> RedirectResponse:
    """The caller's vendor account claims a registry organisation."""
    link_service(tx).claim(caller, registry_id)
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/{account_id}/confirm")
def confirm(account_id: str, caller: Caller, tx: Writing) -> RedirectResponse:
    """Confirm an account's claim."""
    link_service(tx).confirm(caller, account_id)
    return RedirectResponse(PAGE, status_code=303)
