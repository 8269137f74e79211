"""Accounts: organisations of users, users with roles, API tokens, sessions and passwords.

Passwords are hashed with argon2id (``pallmall.core.passwords``). API tokens and web session
ids are random 32-byte values shown once; only their SHA-256 is stored, with an expiry.
Disabling a user or changing its role ends its sessions at once; disabling also revokes its
tokens. Every change leaves an audit record.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from pallmall.core.audit import AuditRecord, AuditSink
from pallmall.core.auth import STATE_BODIES, AccountKind, Permission, Principal, Role
from pallmall.core.clock import utcnow
from pallmall.core.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from pallmall.core.ids import new_id
from pallmall.core.passwords import check_password, hash_password
from pallmall.core.states import state_code

TOKEN_PREFIX = "pm_"
TOKEN_LIFETIME = timedelta(days=90)
"""How long an API token lives unless its issuer asks for less (at most MAX_TOKEN_LIFETIME)."""
MAX_TOKEN_LIFETIME = timedelta(days=365)


@dataclass(frozen=True)
class AccountOrg:
    """An organisation holding user accounts (a state authority, a vendor, a lab...).

    ``state`` is the ISO 3166-1 alpha-2 code of the state a state body (export authority,
    state agency, oversight body) acts for; None for every other kind (and for a state body
    made before states were recorded, until an admin sets it).
    """

    id: str
    name: str
    kind: AccountKind
    state: str | None = None


@dataclass(frozen=True)
class User:
    """A user account."""

    id: str
    email: str
    name: str
    role: Role
    account: AccountOrg | None
    active: bool = True

    def principal(self) -> Principal:
        """The principal this user acts as."""
        return Principal(
            user_id=self.id,
            role=self.role,
            account_id=self.account.id if self.account else None,
            account_kind=self.account.kind if self.account else None,
            display=self.email,
            state=self.account.state if self.account else None,
        )


@dataclass(frozen=True)
class ApiToken:
    """An API token as listed: never its value, which is shown once at issue."""

    id: str
    user_id: str
    user_email: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True)
class IssuedToken:
    """A new API token (``token``, shown once) and its listing (``record``)."""

    token: str
    record: ApiToken


class AccountStore(Protocol):
    """Storage of account organisations, users, tokens and web sessions."""

    def add_org(self, org: AccountOrg, at: datetime) -> None: ...
    def org_by_name(self, name: str) -> AccountOrg | None: ...
    def set_org_state(self, org_id: str, state: str) -> None: ...
    def org_by_id(self, org_id: str) -> AccountOrg | None: ...
    def list_orgs(self) -> list[AccountOrg]: ...
    def add_user(self, user: User, password_hash: str | None, at: datetime) -> None: ...
    def user_by_email(self, email: str) -> tuple[User, str | None] | None: ...
    def user_by_id(self, user_id: str) -> User | None: ...
    def list_users(self) -> list[User]: ...
    def set_password_hash(self, user_id: str, password_hash: str) -> None: ...
    def set_active(self, user_id: str, active: bool) -> None: ...
    def set_role(self, user_id: str, role: Role) -> None: ...
    def add_token(
        self,
        token_id: str,
        user_id: str,
        token_hash: str,
        label: str,
        at: datetime,
        expires_at: datetime,
    ) -> None: ...
    def user_by_token_hash(self, token_hash: str, now: datetime) -> User | None: ...
    def tokens(self, user_id: str | None) -> list[ApiToken]: ...
    def token(self, token_id: str) -> ApiToken | None: ...
    def revoke_token(self, token_id: str, at: datetime) -> bool: ...
    def revoke_tokens(self, user_id: str, at: datetime) -> int: ...
    def add_session(
        self, session_hash: str, user_id: str, at: datetime, expires: datetime
    ) -> None: ...
    def user_by_session(self, session_hash: str, now: datetime) -> User | None: ...
    def delete_session(self, session_hash: str) -> str | None: ...
    def delete_sessions(self, user_id: str) -> int: ...


def _org_state(kind: AccountKind, state: str | None) -> str | None:
    if kind in STATE_BODIES:
        if not state or not state.strip():
            raise InvalidInput("state", f"an {kind.value} account needs its state (e.g. GB)")
        return state_code(state)
    if state:
        raise InvalidInput("state", f"only state bodies have a state, not {kind.value} accounts")
    return None


def new_token() -> tuple[str, str]:
    """A fresh API token and the hash to store: ``(token, sha256 hex)``."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """The stored form of an API token or session id: lower-case hex SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class AccountService:
    """Account use cases over one unit of work; every change leaves an audit record."""

    store: AccountStore
    audit: AuditSink

    def ensure_org(
        self, actor: Principal, name: str, kind: AccountKind, state: str | None = None
    ) -> AccountOrg:
        """The account organisation called ``name``, created if new. A state body (see
        :data:`~pallmall.core.auth.STATE_BODIES`) names its state; an existing one without a
        state gets ``state``.

        Raises:
            InvalidInput: naming ``state``: missing for a state body, given for another kind,
                not an ISO 3166-1 alpha-2 code, or not the state the existing account has.
        """
        actor.require(Permission.USERS_MANAGE)
        code = _org_state(kind, state)
        found = self.store.org_by_name(name)
        if found is not None:
            if code is None or found.state == code:
                return found
            if found.state is not None:
                raise InvalidInput(
                    "state", f"the account {name!r} acts for {found.state}, not {code}"
                )
            return self.set_state(actor, found, code)
        org = AccountOrg(new_id("acc"), name, kind, code)
        now = utcnow()
        self.store.add_org(org, now)
        payload: dict[str, object] = {"name": name, "kind": kind, "state": code}
        self._audit(actor, "account.org.created", org.id, payload, now)
        return org

    def set_state(self, actor: Principal, org: AccountOrg, state: str) -> AccountOrg:
        """Record the state of a state body that has none yet (audited). A state once set
        is not changed: the decisions already logged name it.

        Raises:
            InvalidInput: naming ``state`` (not a state body, not an alpha-2 code, or the
                account acts for another state already).
        """
        actor.require(Permission.USERS_MANAGE)
        code = _org_state(org.kind, state)
        if org.state is not None and org.state != code:
            raise InvalidInput("state", f"the account {org.name!r} acts for {org.state} already")
        assert code is not None  # _org_state returns a code for a state body given one
        self.store.set_org_state(org.id, code)
        now = utcnow()
        self._audit(actor, "account.org.state_set", org.id, {"from": org.state, "to": code}, now)
        return AccountOrg(org.id, org.name, org.kind, code)

    def create_user(
        self,
        actor: Principal,
        email: str,
        name: str,
        role: Role,
        org: AccountOrg | None,
        password: str | None = None,
    ) -> User:
        """Create a user.

        Raises:
            InvalidInput: naming ``email`` (malformed), ``role`` or ``password`` (too short).
            Conflict: the e-mail address is taken.
        """
        actor.require(Permission.USERS_MANAGE)
        email = email.strip().lower()
        if "@" not in email or len(email) > 320:
            raise InvalidInput("email", "is not an e-mail address")
        if role is Role.ANONYMOUS:
            raise InvalidInput("role", "anonymous is not a role a user can have")
        if self.store.user_by_email(email) is not None:
            raise Conflict(f"a user with e-mail {email} exists already")
        user = User(new_id("usr"), email, name, role, org)
        now = utcnow()
        self.store.add_user(user, hash_password(password) if password else None, now)
        self._audit(actor, "account.user.created", user.id, {"email": email, "role": role}, now)
        return user

    def find_user(self, actor: Principal, email: str) -> User:
        """The user with this e-mail (``users:manage``); ``NotFound`` naming it otherwise."""
        actor.require(Permission.USERS_MANAGE)
        found = self.store.user_by_email(email.strip().lower())
        if found is None:
            raise NotFound(f"no user with e-mail {email.strip().lower()!r}")
        return found[0]

    def set_active(self, actor: Principal, email: str, active: bool) -> User:
        """Disable (ending every session and revoking every token at once) or enable a user."""
        user = self.find_user(actor, email)
        now = utcnow()
        self.store.set_active(user.id, active)
        ended = revoked = 0
        if not active:
            ended = self.store.delete_sessions(user.id)
            revoked = self.store.revoke_tokens(user.id, now)
        verb = "account.user.enabled" if active else "account.user.disabled"
        payload = {"email": user.email, "sessions_ended": ended, "tokens_revoked": revoked}
        self._audit(actor, verb, user.id, payload, now)
        return self.store.user_by_id(user.id) or user

    def set_role(self, actor: Principal, email: str, role: Role) -> User:
        """Give a user another role; its web sessions end (it signs in again as the new role).

        Raises:
            InvalidInput: naming ``role`` for ``anonymous``.
        """
        if role is Role.ANONYMOUS:
            raise InvalidInput("role", "anonymous is not a role a user can have")
        user = self.find_user(actor, email)
        now = utcnow()
        self.store.set_role(user.id, role)
        ended = self.store.delete_sessions(user.id)
        payload = {"email": user.email, "from": user.role, "to": role, "sessions_ended": ended}
        self._audit(actor, "account.user.role_changed", user.id, payload, now)
        return self.store.user_by_id(user.id) or user

    def issue_token(self, actor: Principal, user: User, label: str = "") -> str:
        """A new API token for ``user`` (shown once); see :meth:`issue`."""
        return self.issue(actor, user, label).token

    def issue(
        self,
        actor: Principal,
        user: User,
        label: str = "",
        lifetime: timedelta = TOKEN_LIFETIME,
    ) -> IssuedToken:
        """A new API token for ``user`` living ``lifetime``. Users may issue their own; admins any.

        Raises:
            InvalidInput: naming ``expires_in_days`` when the lifetime is not in (0, 365 days].
        """
        if actor.user_id != user.id:
            actor.require(Permission.USERS_MANAGE)
        if not timedelta(0) < lifetime <= MAX_TOKEN_LIFETIME:
            raise InvalidInput("expires_in_days", "must be between 1 and 365 days")
        token, digest = new_token()
        token_id = new_id("tok")
        now = utcnow()
        expires = now + lifetime
        self.store.add_token(token_id, user.id, digest, label, now, expires)
        payload: dict[str, object] = {
            "token_id": token_id,
            "label": label,
            "expires_at": expires.isoformat(),
        }
        self._audit(actor, "account.token.issued", user.id, payload, now)
        record = ApiToken(token_id, user.id, user.email, label, now, expires, None)
        return IssuedToken(token, record)

    def tokens(self, actor: Principal, user: User | None = None) -> list[ApiToken]:
        """The tokens of ``user`` (default: the actor's own). Others' need ``users:manage``;
        ``user`` None with ``users:manage`` lists every user's tokens."""
        if user is not None and user.id == actor.user_id:
            return self.store.tokens(user.id)
        if actor.can(Permission.USERS_MANAGE):
            return self.store.tokens(user.id if user else None)
        if actor.user_id is None:
            raise Unauthenticated("sign in to list API tokens")
        return self.store.tokens(actor.user_id)

    def revoke_token(self, actor: Principal, token_id: str) -> ApiToken:
        """Revoke a token: the actor's own, or anyone's with ``users:manage``.

        Raises:
            NotFound: no such token, or the actor may not know of it.
        """
        found = self.store.token(token_id)
        if found is None or (
            found.user_id != actor.user_id and not actor.can(Permission.USERS_MANAGE)
        ):
            raise NotFound(f"no token {token_id!r}")
        now = utcnow()
        if found.revoked_at is None:
            self.store.revoke_token(token_id, now)
            self._audit(actor, "account.token.revoked", found.user_id, {"token_id": token_id}, now)
        return self.store.token(token_id) or found

    def authenticate(self, email: str, password: str) -> User:
        """The active user with these credentials; a hash made with older parameters is
        replaced by a fresh argon2id hash (rehash on sign-in).

        Raises:
            Unauthenticated: unknown e-mail, wrong password or inactive user (one message).
        """
        user, rehash = self.verify_credentials(email, password)
        if rehash is not None:
            self.store.set_password_hash(user.id, rehash)
        return user

    def verify_credentials(self, email: str, password: str) -> tuple[User, str | None]:
        """The active user with these credentials, and a fresh hash to store when the stored
        one was made with older parameters (else None). Writes nothing.

        The same argon2 work is done whether or not the e-mail exists.

        Raises:
            Unauthenticated: unknown e-mail, wrong password or inactive user (one message).
        """
        found = self.store.user_by_email(email.strip().lower())
        check = check_password(password, found[1] if found else None)
        if found is None or not check.ok or not found[0].active:
            raise Unauthenticated("wrong e-mail or password")
        return found[0], hash_password(password) if check.needs_rehash else None

    def start_session(self, user: User, lifetime: timedelta) -> str:
        """A new web session for ``user``: the random session id for the cookie (only its
        hash is stored), valid for ``lifetime``."""
        session_id = secrets.token_urlsafe(32)
        now = utcnow()
        self.store.add_session(token_hash(session_id), user.id, now, now + lifetime)
        self._audit(user.principal(), "account.session.started", user.id, {}, now)
        return session_id

    def end_session(self, session_id: str) -> None:
        """End the web session with this id (logout); nothing if it has ended already."""
        user_id = self.store.delete_session(token_hash(session_id))
        if user_id is not None:
            actor = Principal(user_id=user_id, role=Role.PUBLIC)
            self._audit(actor, "account.session.ended", user_id, {}, utcnow())

    def _audit(
        self, actor: Principal, verb: str, target: str, payload: dict[str, object], at: datetime
    ) -> None:
        self.audit.append(AuditRecord(actor.user_id or "anonymous", verb, target, at, payload))
