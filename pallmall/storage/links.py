"""Account-to-registry links on SQLAlchemy Core (:class:`pallmall.core.links.LinkStore`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table, delete, insert, select
from sqlalchemy.engine import Connection

from pallmall.core.accounts import AccountOrg
from pallmall.core.auth import AccountKind
from pallmall.core.links import LinkStatus, RegistryLink
from pallmall.storage.base import metadata
from pallmall.storage.tables import account_orgs
from pallmall.storage.types import UTCDateTime

account_registry_links = Table(
    "account_registry_links",
    metadata,
    Column("account_id", String(64), ForeignKey("account_orgs.id"), primary_key=True),
    Column("registry_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("by", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("confirmed_by", String(64), nullable=False),
)


class SqlLinkStore:
    """:class:`pallmall.core.links.LinkStore` on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def account(self, account_id: str) -> AccountOrg | None:
        row = self.conn.execute(select(account_orgs).where(account_orgs.c.id == account_id)).first()
        return AccountOrg(row.id, row.name, AccountKind(row.kind), row.state) if row else None

    def link_of(self, account_id: str) -> RegistryLink | None:
        table = account_registry_links
        row = self.conn.execute(select(table).where(table.c.account_id == account_id)).first()
        return _link(row) if row else None

    def put_link(self, link: RegistryLink) -> None:
        table = account_registry_links
        self.conn.execute(delete(table).where(table.c.account_id == link.account_id))
        self.conn.execute(
            insert(table).values(
                account_id=link.account_id,
                registry_id=link.registry_id,
                status=link.status.value,
                by=link.by,
                at=link.at,
                confirmed_by=link.confirmed_by,
            )
        )

    def links(self) -> list[RegistryLink]:
        table = account_registry_links
        rows = self.conn.execute(select(table).order_by(table.c.account_id)).all()
        return [_link(r) for r in rows]


def _link(row: Any) -> RegistryLink:
    return RegistryLink(
        account_id=row.account_id,
        registry_id=row.registry_id,
        status=LinkStatus(row.status),
        by=row.by,
        at=row.at,
        confirmed_by=row.confirmed_by,
    )


def account_names(conn: Connection, kind: AccountKind | None = None) -> dict[str, str]:
    """Account organisations (of ``kind`` when given): id -> name, by name."""
    query = select(account_orgs.c.id, account_orgs.c.name).order_by(account_orgs.c.name)
    if kind is not None:
        query = query.where(account_orgs.c.kind == kind.value)
    return {r.id: r.name for r in conn.execute(query)}
