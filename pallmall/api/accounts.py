"""``/api/v1``: who am I, users, API tokens and the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from pallmall.api import problems
from pallmall.api.deps import (
    Caller,
    Reading,
    Writing,
    database,
    publisher,
    screening_desk,
    transparency_log,
)
from pallmall.api.schemas import PageOut, page_out
from pallmall.api.signin import client_address, sign_in
from pallmall.core.accounts import AccountOrg, AccountService, ApiToken, User
from pallmall.core.audit import AuditRecord
from pallmall.core.auth import AccountKind, Permission, Role
from pallmall.core.clock import utcnow
from pallmall.core.errors import InvalidInput, NotFound, Unauthenticated
from pallmall.core.paging import MAX_LIMIT, MAX_OFFSET, PageRequest
from pallmall.log import TransparencyLog

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=problems.RESPONSES)


class Me(BaseModel):
    """The caller as the server sees it."""

    user_id: str | None
    role: Role
    account_id: str | None
    account_kind: AccountKind | None
    display: str
    state: str | None = Field(description="the state a state body's account acts for")


class UserIn(BaseModel):
    """A new user."""

    email: str = Field(min_length=3, max_length=320)
    name: str = Field(min_length=1, max_length=300)
    role: Role
    account_name: str | None = Field(default=None, max_length=300)
    account_kind: AccountKind | None = None
    account_state: str | None = Field(
        default=None,
        max_length=10,
        description="ISO 3166-1 alpha-2 state of a state body's account (export_authority, "
        "state_agency, oversight_body): required for those, refused for others",
        examples=["GB"],
    )
    password: str | None = Field(default=None, min_length=10, max_length=200)


class UserOut(BaseModel):
    """A user account (never its password or tokens)."""

    id: str
    email: str
    name: str
    role: Role
    account_name: str | None
    account_state: str | None = None
    active: bool


class UserChange(BaseModel):
    """A change to a user: disable or enable it, or give it another role."""

    active: bool | None = None
    role: Role | None = None


class TokenIn(BaseModel):
    """Credentials exchanged for an API token."""

    email: str = Field(max_length=320)
    password: str = Field(max_length=200)
    label: str = Field(default="", max_length=200)
    expires_in_days: int = Field(default=90, ge=1, le=365)


class TokenInfo(BaseModel):
    """An API token as listed (never its value)."""

    id: str
    user_email: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    state: str = Field(description="active, expired or revoked")


class TokenOut(BaseModel):
    """A new API token: shown once, stored only as a hash."""

    token: str
    token_type: str = "bearer"
    id: str
    expires_at: datetime


class AuditOut(BaseModel):
    """One audit record."""

    actor: str
    verb: str
    target: str
    at: datetime
    payload: dict[str, Any]


def _user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        account_name=user.account.name if user.account else None,
        account_state=user.account.state if user.account else None,
        active=user.active,
    )


class Status(BaseModel):
    """Readiness of this node, for load balancers and operators."""

    status: str = Field(description="ready, warming, or not_ready (see problems)")
    screener_ready: bool
    person_names_loaded: bool = Field(
        description="this worker gives a person's name its given-name symbols without "
        "loading anything: it reads the stored person-name table or has loaded rigour's "
        "tagger (else its first screen comparing a person loads the tagger: seconds; "
        "PALLMALL_PRELOAD_PERSON_NAMES)"
    )
    log_size: int
    log_advancing: bool
    problems: list[str] = Field(default_factory=list, description="why not ready, if not")


@router.get(
    "/status",
    response_model=Status,
    tags=["status"],
    responses={503: {"model": Status, "description": "the log cannot advance"}},
)
async def status(request: Request, response: Response) -> Status:
    """``ready`` once the screener is built (or no list is loaded to build it from) and the
    log can advance; ``warming`` while the screener builds; ``not_ready`` with the reasons
    (HTTP 503, for load balancers) while the log cannot advance (a full or read-only disk,
    an I/O error). Public."""
    desk = screening_desk(request)
    tlog = transparency_log(request)
    ready = desk.ready or not desk.current()
    size = tlog.checkpoint().checkpoint.size
    problems = [p for p in (_log_problem(tlog), publisher(request).failing) if p]
    state = "not_ready" if problems else "ready" if ready else "warming"
    if problems:
        response.status_code = 503
    return Status(
        status=state,
        screener_ready=ready,
        person_names_loaded=desk.person_names_loaded,
        log_size=size,
        log_advancing=not problems,
        problems=problems,
    )


def _log_problem(tlog: TransparencyLog) -> str | None:
    health = tlog.health()
    if health.ok:
        return None
    since = health.since.isoformat() if health.since else "?"
    return f"{health.reason} (since {since})"


@router.get("/me", response_model=Me)
async def me(caller: Caller) -> Me:
    """The caller's identity and role (anonymous without credentials)."""
    return Me(
        user_id=caller.user_id,
        role=caller.role,
        account_id=caller.account_id,
        account_kind=caller.account_kind,
        display=caller.display,
        state=caller.state,
    )


@router.get("/users", response_model=list[UserOut])
def list_users(caller: Caller, tx: Reading) -> list[UserOut]:
    """Every user (``users:manage``)."""
    caller.require(Permission.USERS_MANAGE)
    return [_user_out(u) for u in tx.accounts.list_users()]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(caller: Caller, tx: Writing, body: UserIn) -> UserOut:
    """Create a user, and its account organisation if new (``users:manage``)."""
    service = AccountService(tx.accounts, tx.audit)
    caller.require(Permission.USERS_MANAGE)
    org = None
    if body.account_name:
        kind = body.account_kind or AccountKind.PUBLIC
        org = service.ensure_org(caller, body.account_name, kind, body.account_state)
    elif body.account_state:
        raise InvalidInput("account_state", "a state belongs to an account: give account_name")
    user = service.create_user(caller, body.email, body.name, body.role, org, body.password)
    return _user_out(user)


@router.patch("/users/{user_id}", response_model=UserOut)
def change_user(
    user_id: str,
    caller: Caller,
    tx: Writing,
    body: UserChange,
) -> UserOut:
    """Disable a user (its sessions end and its tokens are revoked at once), enable it, or
    change its role (its sessions end) (``users:manage``; audited)."""
    caller.require(Permission.USERS_MANAGE)
    found = tx.accounts.user_by_id(user_id)
    if found is None:
        raise NotFound(f"no user {user_id!r}")
    service = AccountService(tx.accounts, tx.audit)
    user = found
    if body.role is not None and body.role is not found.role:
        user = service.set_role(caller, found.email, body.role)
    if body.active is not None and body.active != found.active:
        user = service.set_active(caller, found.email, body.active)
    return _user_out(user)


class AccountOut(BaseModel):
    """An account organisation and, for a state body, the state it acts for."""

    id: str
    name: str
    kind: AccountKind
    state: str | None = Field(description="ISO 3166-1 alpha-2, state bodies only")


class AccountChange(BaseModel):
    """The state of a state body's account made before states were recorded."""

    state: str = Field(min_length=2, max_length=2, examples=["GB"])


def _account_out(org: AccountOrg) -> AccountOut:
    return AccountOut(id=org.id, name=org.name, kind=org.kind, state=org.state)


@router.get("/accounts", response_model=list[AccountOut])
def list_accounts(caller: Caller, tx: Reading) -> list[AccountOut]:
    """Every account organisation with its kind and state (``users:manage``)."""
    caller.require(Permission.USERS_MANAGE)
    return [_account_out(o) for o in tx.accounts.list_orgs()]


@router.patch("/accounts/{account_id}", response_model=AccountOut)
def change_account(account_id: str, caller: Caller, tx: Writing, body: AccountChange) -> AccountOut:
    """Record the state of a state body's account that has none (``users:manage``;
    audited). A state once recorded stays: the decisions already logged name it (422)."""
    caller.require(Permission.USERS_MANAGE)
    org = tx.accounts.org_by_id(account_id)
    if org is None:
        raise NotFound(f"no account {account_id!r}")
    return _account_out(AccountService(tx.accounts, tx.audit).set_state(caller, org, body.state))


@router.post("/tokens", response_model=TokenOut, status_code=201)
def create_token(request: Request, body: TokenIn) -> TokenOut:
    """Exchange e-mail and password for a new API token, valid ``expires_in_days`` (default
    90, at most 365). Failed attempts are throttled per account and address (429)."""
    db = database(request)
    user = sign_in(db, body.email, body.password, client_address(request))
    with db.write() as tx:
        service = AccountService(tx.accounts, tx.audit)
        lifetime = timedelta(days=body.expires_in_days)
        issued = service.issue(user.principal(), user, body.label, lifetime)
    return TokenOut(token=issued.token, id=issued.record.id, expires_at=issued.record.expires_at)


@router.get("/tokens", response_model=list[TokenInfo])
def list_tokens(
    caller: Caller,
    tx: Reading,
    email: Annotated[str | None, Query(max_length=320)] = None,
) -> list[TokenInfo]:
    """The caller's API tokens; with ``users:manage``, every user's (or ``email``'s)."""
    if caller.is_anonymous:
        raise Unauthenticated("sign in to list API tokens")
    service = AccountService(tx.accounts, tx.audit)
    user = service.find_user(caller, email) if email else None
    now = utcnow()
    return [_token_info(t, now) for t in service.tokens(caller, user)]


@router.delete("/tokens/{token_id}", response_model=TokenInfo)
def revoke_token(token_id: str, caller: Caller, tx: Writing) -> TokenInfo:
    """Revoke an API token at once: one's own, or anyone's with ``users:manage`` (audited)."""
    if caller.is_anonymous:
        raise Unauthenticated("sign in to revoke API tokens")
    token = AccountService(tx.accounts, tx.audit).revoke_token(caller, token_id)
    return _token_info(token, utcnow())


def _token_info(token: ApiToken, now: datetime) -> TokenInfo:
    return TokenInfo(
        id=token.id,
        user_email=token.user_email,
        label=token.label,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        state=token.state(now),
    )


@router.get("/audit", response_model=PageOut[AuditOut])
def audit(
    caller: Caller,
    tx: Reading,
    target: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> PageOut[AuditOut]:
    """The audit trail, newest first (``audit:read``: oversight bodies and admins)."""
    caller.require(Permission.AUDIT_READ)
    page = tx.audit.list(PageRequest(offset, limit), target)
    if target and not page.items and offset == 0:
        raise NotFound(f"no audit records for {target!r}")
    return page_out(page, _audit_out)


def _audit_out(record: AuditRecord) -> AuditOut:
    return AuditOut(
        actor=record.actor,
        verb=record.verb,
        target=record.target,
        at=record.at,
        payload=dict(record.payload),
    )
