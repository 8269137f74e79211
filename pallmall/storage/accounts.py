"""Accounts on SQLAlchemy Core."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from pallmall.core.accounts import AccountOrg, User
from pallmall.core.auth import AccountKind, Role
from pallmall.storage.tables import account_orgs, api_tokens, users


class SqlAccountStore:
    """:class:`pallmall.core.accounts.AccountStore` on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_org(self, org: AccountOrg, at: datetime) -> None:
        self.conn.execute(
            insert(account_orgs).values(
                id=org.id, name=org.name, kind=org.kind.value, created_at=at
            )
        )

    def org_by_name(self, name: str) -> AccountOrg | None:
        row = self.conn.execute(select(account_orgs).where(account_orgs.c.name == name)).first()
        return AccountOrg(row.id, row.name, AccountKind(row.kind)) if row else None

    def add_user(self, user: User, password_hash: str | None, at: datetime) -> None:
        self.conn.execute(
            insert(users).values(
                id=user.id,
                email=user.email,
                name=user.name,
                role=user.role.value,
                account_id=user.account.id if user.account else None,
                password_hash=password_hash,
                active=user.active,
                created_at=at,
            )
        )

    def user_by_email(self, email: str) -> tuple[User, str | None] | None:
        row = self.conn.execute(_user_select().where(users.c.email == email.lower())).first()
        return (_user(row), row.password_hash) if row else None

    def user_by_id(self, user_id: str) -> User | None:
        row = self.conn.execute(_user_select().where(users.c.id == user_id)).first()
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        return [_user(r) for r in self.conn.execute(_user_select().order_by(users.c.email))]

    def add_token(
        self, token_id: str, user_id: str, token_hash: str, label: str, at: datetime
    ) -> None:
        self.conn.execute(
            insert(api_tokens).values(
                id=token_id, user_id=user_id, token_hash=token_hash, label=label, created_at=at
            )
        )

    def user_by_token_hash(self, token_hash: str) -> User | None:
        row = self.conn.execute(
            _user_select()
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None))
        ).first()
        return _user(row) if row else None

    def revoke_tokens(self, user_id: str, at: datetime) -> int:
        result = self.conn.execute(
            update(api_tokens)
            .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return int(result.rowcount)


def _user_select() -> Any:
    return select(
        users,
        account_orgs.c.name.label("account_name"),
        account_orgs.c.kind.label("account_kind"),
    ).outerjoin(account_orgs, account_orgs.c.id == users.c.account_id)


def _user(row: Any) -> User:
    account = (
        AccountOrg(row.account_id, row.account_name, AccountKind(row.account_kind))
        if row.account_id
        else None
    )
    return User(row.id, row.email, row.name, Role(row.role), account, row.active)
