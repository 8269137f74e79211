"""The admin page for accounts: users, their account organisations and the state each state
body acts for (``users:manage``). Plain forms; every change goes through ``AccountService``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from pallmall.api.deps import Caller, Reading, Writing
from pallmall.core.accounts import AccountService
from pallmall.core.auth import STATE_BODIES, AccountKind, Permission, Role
from pallmall.core.errors import NotFound
from pallmall.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/admin/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, caller: Caller, tx: Reading) -> HTMLResponse:
    """Users with their accounts and states; forms to add a user and to record a state."""
    caller.require(Permission.USERS_MANAGE)
    return render(
        request,
        "admin/accounts.html",
        caller=caller,
        users=tx.accounts.list_users(),
        orgs=tx.accounts.list_orgs(),
        roles=[r for r in Role if r is not Role.ANONYMOUS],
        kinds=list(AccountKind),
        state_bodies=STATE_BODIES,
    )


@router.post("/admin/users")
def add_user(
    caller: Caller,
    tx: Writing,
    email: Annotated[str, Form(max_length=320)],
    name: Annotated[str, Form(max_length=300)],
    role: Annotated[Role, Form()],
    account: Annotated[str, Form(max_length=300)] = "",
    kind: Annotated[AccountKind, Form()] = AccountKind.PUBLIC,
    state: Annotated[str, Form(max_length=10)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:
    """Add a user (and its account organisation, with its state for a state body)."""
    service = AccountService(tx.accounts, tx.audit)
    caller.require(Permission.USERS_MANAGE)
    org = service.ensure_org(caller, account.strip(), kind, state or None) if account else None
    service.create_user(caller, email, name or email, role, org, password or None)
    return RedirectResponse("/admin/accounts", status_code=303)


@router.post("/admin/accounts/{org_id}/state")
def set_state(
    org_id: str,
    caller: Caller,
    tx: Writing,
    state: Annotated[str, Form(max_length=10)],
) -> RedirectResponse:
    """Record the state of a state body's account made before states were recorded."""
    caller.require(Permission.USERS_MANAGE)
    org = tx.accounts.org_by_id(org_id)
    if org is None:
        raise NotFound(f"no account {org_id!r}")
    AccountService(tx.accounts, tx.audit).set_state(caller, org, state)
    return RedirectResponse("/admin/accounts", status_code=303)
