"""``pallmall token list|revoke``, ``pallmall user disable|enable|set-role``, ``pallmall backup``
and ``pallmall restore``: account control and operations from the command line, all audited."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pallmall.backup import backup, restore
from pallmall.cli.context import open_database
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, Role
from pallmall.core.clock import utcnow
from pallmall.core.settings import load_settings

console = Console(soft_wrap=True)
err = Console(stderr=True)
token_app = typer.Typer(help="List and revoke API tokens.", no_args_is_help=True)


@token_app.command("list")
def token_list(
    email: Annotated[str, typer.Option(help="only this user's tokens")] = "",
    all_: Annotated[bool, typer.Option("--all", help="also expired and revoked ones")] = False,
) -> None:
    """List API tokens (never their values): id, user, label, created, expires, state."""
    _, db = open_database()
    with db.read() as tx:
        service = AccountService(tx.accounts, tx.audit)
        user = service.find_user(SYSTEM, email) if email else None
        tokens = service.tokens(SYSTEM, user)
    now = utcnow()
    table = Table("id", "user", "label", "created", "expires", "state")
    shown = 0
    for t in tokens:
        if not all_ and t.state(now) != "active":
            continue
        expires = t.expires_at.strftime("%Y-%m-%d %H:%M") if t.expires_at else "never"
        created = t.created_at.strftime("%Y-%m-%d %H:%M")
        table.add_row(t.id, t.user_email, t.label, created, expires, t.state(now))
        shown += 1
    console.print(table)
    console.print(f"{shown} token(s){'' if all_ else ' active (--all for every one)'}")


@token_app.command("revoke")
def token_revoke(token_id: str) -> None:
    """Revoke an API token at once (audited)."""
    _, db = open_database()
    with db.write() as tx:
        token = AccountService(tx.accounts, tx.audit).revoke_token(SYSTEM, token_id)
    console.print(f"token {token.id} of {token.user_email} revoked")


def user_disable(email: str) -> None:
    """Disable a user: its web sessions end and its API tokens are revoked at once."""
    _, db = open_database()
    with db.write() as tx:
        user = AccountService(tx.accounts, tx.audit).set_active(SYSTEM, email, False)
    console.print(f"user {user.email} disabled; its sessions ended and its tokens revoked")


def user_enable(email: str) -> None:
    """Enable a disabled user again (it signs in anew and needs new tokens)."""
    _, db = open_database()
    with db.write() as tx:
        user = AccountService(tx.accounts, tx.audit).set_active(SYSTEM, email, True)
    console.print(f"user {user.email} enabled")


def user_set_role(email: str, role: Annotated[Role, typer.Argument(case_sensitive=False)]) -> None:
    """Give a user another role; its web sessions end (it signs in again as the new role)."""
    _, db = open_database()
    with db.write() as tx:
        user = AccountService(tx.accounts, tx.audit).set_role(SYSTEM, email, role)
    console.print(f"user {user.email} is now {user.role.value}; its sessions ended")


def user_commands(user_app: typer.Typer) -> None:
    """Add ``disable``, ``enable`` and ``set-role`` to the ``user`` command group."""
    user_app.command("disable")(user_disable)
    user_app.command("enable")(user_enable)
    user_app.command("set-role")(user_set_role)


def backup_command(
    folder: Annotated[Path, typer.Argument(help="a new or empty folder for the snapshot")],
) -> None:
    """Take a consistent snapshot while the server runs: the SQLite database (backup API),
    the transparency log at its checkpoint, and the keys. PostgreSQL: see docs/operations.md."""
    settings, db = open_database()
    manifest = backup(settings, db, folder, progress=err.print)
    console.print(
        f"backup in {folder}: database {manifest.database_bytes} bytes, log size "
        f"{manifest.log_size}, {len(manifest.files)} files"
    )


def restore_command(
    folder: Annotated[Path, typer.Argument(help="a folder made by pallmall backup")],
    force: Annotated[bool, typer.Option(help="replace a data folder that holds data")] = False,
) -> None:
    """Restore a snapshot into PALLMALL_DATA_DIR (the server stopped), then check that the log
    verifies against its key and agrees with the database."""
    settings = load_settings()
    report = restore(settings, folder, force=force, progress=err.print)
    console.print(
        f"restored into {settings.data_dir}: log size {report.log_size} verified; "
        f"{report.logged_changes} logged changes agree with the log"
    )
