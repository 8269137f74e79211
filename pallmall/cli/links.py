"""``pallmall user link`` / ``confirm-link`` / ``links``: which registry organisation a
user's account is (as the node's operator, an admin)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pallmall.cli.context import open_database
from pallmall.core.accounts import AccountService, User
from pallmall.core.auth import SYSTEM
from pallmall.core.errors import InvalidInput
from pallmall.storage.database import Tx
from pallmall.wiring import link_service

console = Console(soft_wrap=True)


def _account_of(tx: Tx, email: str) -> str:
    user: User = AccountService(tx.accounts, tx.audit).find_user(SYSTEM, email)
    if user.account is None:
        raise InvalidInput("email", f"{email} belongs to no account organisation")
    return user.account.id


def user_link(
    email: str,
    registry_id: Annotated[str, typer.Argument(help="the registry organisation's record id")],
) -> None:
    """Link EMAIL's account to a registry organisation (confirmed): its licence applications
    are then checked as that organisation, and as the developer or reseller of what it files."""
    _, db = open_database()
    with db.write() as tx:
        link = link_service(tx).link(SYSTEM, _account_of(tx, email), registry_id)
    console.print(f"account {link.account_id} is {link.registry_id} ({link.status.value})")


def user_confirm_link(email: str) -> None:
    """Confirm the registry organisation EMAIL's account claimed."""
    _, db = open_database()
    with db.write() as tx:
        link = link_service(tx).confirm(SYSTEM, _account_of(tx, email))
    console.print(f"account {link.account_id} is {link.registry_id} ({link.status.value})")


def user_links() -> None:
    """List accounts' registry links, claims awaiting confirmation among them."""
    _, db = open_database()
    with db.read() as tx:
        links = link_service(tx).all(SYSTEM)
    table = Table("account", "registry id", "status", "by", "at")
    for link in links:
        table.add_row(
            link.account_id, link.registry_id, link.status.value, link.by, link.at.isoformat()
        )
    console.print(table)


def link_commands(user_app: typer.Typer) -> None:
    """Add ``link``, ``confirm-link`` and ``links`` to the ``user`` command group."""
    user_app.command("link")(user_link)
    user_app.command("confirm-link")(user_confirm_link)
    user_app.command("links")(user_links)
