"""Accounts: organisations of users, users with roles, API tokens and passwords.

Passwords are hashed with scrypt (RFC 7914; n=2**14, r=8, p=1, 16-byte salt). API tokens are
random 32-byte values shown once; only their SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pallmall.core.audit import AuditRecord, AuditSink
from pallmall.core.auth import AccountKind, Permission, Principal, Role
from pallmall.core.clock import utcnow
from pallmall.core.errors import Conflict, InvalidInput, Unauthenticated
from pallmall.core.ids import new_id

TOKEN_PREFIX = "pm_"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


@dataclass(frozen=True)
class AccountOrg:
    """An organisation holding user accounts (a state authority, a vendor, a lab...)."""

    id: str
    name: str
    kind: AccountKind


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
        )


class AccountStore(Protocol):
    """Storage of account organisations, users and tokens."""

    def add_org(self, org: AccountOrg, at: datetime) -> None: ...
    def org_by_name(self, name: str) -> AccountOrg | None: ...
    def add_user(self, user: User, password_hash: str | None, at: datetime) -> None: ...
    def user_by_email(self, email: str) -> tuple[User, str | None] | None: ...
    def user_by_id(self, user_id: str) -> User | None: ...
    def list_users(self) -> list[User]: ...
    def add_token(
        self, token_id: str, user_id: str, token_hash: str, label: str, at: datetime
    ) -> None: ...
    def user_by_token_hash(self, token_hash: str) -> User | None: ...
    def revoke_tokens(self, user_id: str, at: datetime) -> int: ...


def hash_password(password: str) -> str:
    """A self-describing scrypt hash ``scrypt$<salt hex>$<hash hex>``.

    Raises:
        InvalidInput: naming ``password`` when it is shorter than 10 characters.
    """
    if len(password) < 10:
        raise InvalidInput("password", "must have at least 10 characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash from :func:`hash_password` (constant time)."""
    try:
        scheme, salt_hex, hash_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    return hmac.compare_digest(digest.hex(), hash_hex)


def new_token() -> tuple[str, str]:
    """A fresh API token and the hash to store: ``(token, sha256 hex)``."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """The stored form of an API token: lower-case hex SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class AccountService:
    """Account use cases over one unit of work; every change leaves an audit record."""

    store: AccountStore
    audit: AuditSink

    def ensure_org(self, actor: Principal, name: str, kind: AccountKind) -> AccountOrg:
        """The account organisation called ``name``, created if new."""
        actor.require(Permission.USERS_MANAGE)
        found = self.store.org_by_name(name)
        if found is not None:
            return found
        org = AccountOrg(new_id("acc"), name, kind)
        now = utcnow()
        self.store.add_org(org, now)
        self._audit(actor, "account.org.created", org.id, {"name": name, "kind": kind}, now)
        return org

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
            InvalidInput: naming ``email`` (malformed) or ``password`` (too short).
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

    def issue_token(self, actor: Principal, user: User, label: str = "") -> str:
        """A new API token for ``user`` (shown once). Users may issue their own; admins any."""
        if actor.user_id != user.id:
            actor.require(Permission.USERS_MANAGE)
        token, digest = new_token()
        token_id = new_id("tok")
        now = utcnow()
        self.store.add_token(token_id, user.id, digest, label, now)
        self._audit(actor, "account.token.issued", user.id, {"token_id": token_id}, now)
        return token

    def authenticate(self, email: str, password: str) -> User:
        """The active user with these credentials.

        Raises:
            Unauthenticated: unknown e-mail, wrong password or inactive user (one message).
        """
        found = self.store.user_by_email(email.strip().lower())
        if found is None or found[1] is None or not check_password(password, found[1]):
            raise Unauthenticated("wrong e-mail or password")
        if not found[0].active:
            raise Unauthenticated("wrong e-mail or password")
        return found[0]

    def _audit(
        self, actor: Principal, verb: str, target: str, payload: dict[str, object], at: datetime
    ) -> None:
        self.audit.append(AuditRecord(actor.user_id or "anonymous", verb, target, at, payload))
