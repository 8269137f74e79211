"""Accounts on SQLAlchemy Core."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from pallmall.core.accounts import AccountOrg, ApiToken, User
from pallmall.core.auth import AccountKind, Role
from pallmall.core.throttle import ThrottleState
from pallmall.storage.tables import account_orgs, api_tokens, login_throttle, users, web_sessions


class SqlAccountStore:
    """:class:`pallmall.core.accounts.AccountStore` on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_org(self, org: AccountOrg, at: datetime) -> None:
        self.conn.execute(
            insert(account_orgs).values(
                id=org.id, name=org.name, kind=org.kind.value, created_at=at, state=org.state
            )
        )

    def org_by_name(self, name: str) -> AccountOrg | None:
        row = self.conn.execute(select(account_orgs).where(account_orgs.c.name == name)).first()
        return AccountOrg(row.id, row.name, AccountKind(row.kind), row.state) if row else None

    def org_by_id(self, org_id: str) -> AccountOrg | None:
        row = self.conn.execute(select(account_orgs).where(account_orgs.c.id == org_id)).first()
        return AccountOrg(row.id, row.name, AccountKind(row.kind), row.state) if row else None

    def list_orgs(self) -> list[AccountOrg]:
        rows = self.conn.execute(select(account_orgs).order_by(account_orgs.c.name)).all()
        return [AccountOrg(r.id, r.name, AccountKind(r.kind), r.state) for r in rows]

    def set_org_state(self, org_id: str, state: str) -> None:
        self.conn.execute(
            update(account_orgs).where(account_orgs.c.id == org_id).values(state=state)
        )

    def org_state(self, org_id: str) -> str | None:
        """The state of the account organisation ``org_id`` (None: none, or no such org)."""
        row = self.conn.execute(
            select(account_orgs.c.state).where(account_orgs.c.id == org_id)
        ).first()
        return None if row is None else row.state

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

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self.conn.execute(
            update(users).where(users.c.id == user_id).values(password_hash=password_hash)
        )

    def set_active(self, user_id: str, active: bool) -> None:
        self.conn.execute(update(users).where(users.c.id == user_id).values(active=active))

    def set_role(self, user_id: str, role: Role) -> None:
        self.conn.execute(update(users).where(users.c.id == user_id).values(role=role.value))

    def add_token(
        self,
        token_id: str,
        user_id: str,
        token_hash: str,
        label: str,
        at: datetime,
        expires_at: datetime,
    ) -> None:
        self.conn.execute(
            insert(api_tokens).values(
                id=token_id,
                user_id=user_id,
                token_hash=token_hash,
                label=label,
                created_at=at,
                expires_at=expires_at,
            )
        )

    def user_by_token_hash(self, token_hash: str, now: datetime) -> User | None:
        row = self.conn.execute(
            _user_select()
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(
                api_tokens.c.token_hash == token_hash,
                api_tokens.c.revoked_at.is_(None),
                api_tokens.c.expires_at > now,
            )
        ).first()
        return _user(row) if row else None

    def tokens(self, user_id: str | None) -> list[ApiToken]:
        query = _token_select().order_by(api_tokens.c.created_at.desc())
        if user_id is not None:
            query = query.where(api_tokens.c.user_id == user_id)
        return [_token(r) for r in self.conn.execute(query)]

    def token(self, token_id: str) -> ApiToken | None:
        row = self.conn.execute(_token_select().where(api_tokens.c.id == token_id)).first()
        return _token(row) if row else None

    def revoke_token(self, token_id: str, at: datetime) -> bool:
        result = self.conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return bool(result.rowcount)

    def revoke_tokens(self, user_id: str, at: datetime) -> int:
        result = self.conn.execute(
            update(api_tokens)
            .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return int(result.rowcount)

    def add_session(self, session_hash: str, user_id: str, at: datetime, expires: datetime) -> None:
        self.conn.execute(
            insert(web_sessions).values(
                id=session_hash, user_id=user_id, created_at=at, expires_at=expires
            )
        )

    def user_by_session(self, session_hash: str, now: datetime) -> User | None:
        row = self.conn.execute(
            _user_select()
            .join(web_sessions, web_sessions.c.user_id == users.c.id)
            .where(web_sessions.c.id == session_hash, web_sessions.c.expires_at > now)
        ).first()
        return _user(row) if row else None

    def delete_session(self, session_hash: str) -> str | None:
        user_id = self.conn.execute(
            select(web_sessions.c.user_id).where(web_sessions.c.id == session_hash)
        ).scalar()
        self.conn.execute(delete(web_sessions).where(web_sessions.c.id == session_hash))
        return str(user_id) if user_id is not None else None

    def delete_sessions(self, user_id: str) -> int:
        result = self.conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))
        return int(result.rowcount)


class SqlThrottleStore:
    """:class:`pallmall.core.throttle.ThrottleStore` on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, key: str) -> ThrottleState | None:
        row = self.conn.execute(select(login_throttle).where(login_throttle.c.key == key)).first()
        if row is None:
            return None
        return ThrottleState(row.failures, row.window_start, row.blocked_until)

    def put(self, key: str, state: ThrottleState) -> None:
        values = {
            "failures": state.failures,
            "window_start": state.window_start,
            "blocked_until": state.blocked_until,
        }
        # an upsert: two workers counting a failure for the same key at once must not clash
        upsert = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        statement = upsert(login_throttle).values(key=key, **values)
        self.conn.execute(statement.on_conflict_do_update(index_elements=["key"], set_=values))

    def clear(self, key: str) -> None:
        self.conn.execute(delete(login_throttle).where(login_throttle.c.key == key))


def _token_select() -> Any:
    return select(api_tokens, users.c.email.label("user_email")).join(
        users, users.c.id == api_tokens.c.user_id
    )


def _token(row: Any) -> ApiToken:
    return ApiToken(
        row.id,
        row.user_id,
        row.user_email,
        row.label,
        row.created_at,
        row.expires_at,
        row.revoked_at,
    )


def _user_select() -> Any:
    return select(
        users,
        account_orgs.c.name.label("account_name"),
        account_orgs.c.kind.label("account_kind"),
        account_orgs.c.state.label("account_state"),
    ).outerjoin(account_orgs, account_orgs.c.id == users.c.account_id)


def _user(row: Any) -> User:
    account = (
        AccountOrg(
            row.account_id, row.account_name, AccountKind(row.account_kind), row.account_state
        )
        if row.account_id
        else None
    )
    return User(row.id, row.email, row.name, Role(row.role), account, row.active)
