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

from pallmall.core.auth import AccountKind, Principal, Role
from pallmall.core.errors import InvalidInput

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
