"""``pallmall federation sync|status|export|import`` and ``pallmall federation peer reset``:
the receiving side of federation (docs/federation.md, "Sync and verification", "Air gap")."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pallmall.cli.context import open_database
from pallmall.core.settings import Settings
from pallmall.federation.status import PeerView
from pallmall.federation.sync import PeerOutcome
from pallmall.federation_node import (
    export_peer_bundle,
    federation_status,
    import_peer_bundle,
    reset_peer,
    sync_peers,
)
from pallmall.publisher import Publisher
from pallmall.storage.database import Database
from pallmall.wiring import (
    denial_exchange,
    node_cases,
    open_log,
    received_follower,
    share_node_measures,
)

console = Console(soft_wrap=True)
err = Console(stderr=True)


def register(federation: typer.Typer, peer: typer.Typer) -> None:
    """Add these commands to the ``federation`` app and its ``peer`` sub-app."""
    federation.command("sync")(sync)
    federation.command("status")(status)
    federation.command("export")(export)
    federation.command("import")(import_bundle)
    peer.command("reset")(reset)


def sync(
    peer: Annotated[
        str | None, typer.Argument(help="one peer's name (default: every peer)")
    ] = None,
) -> None:
    """Sync with the peers now: verify each one's log, pull its groups' objects, verify what
    it pushed, push what is addressed to it. Exit 1 when a peer failed."""
    settings, db = open_database()
    _share_measures(settings, db)
    outcomes = sync_peers(settings, db, peer, _progress, received_follower(settings))
    if not outcomes:
        console.print("no active peers")
        return
    failed = [o for o in outcomes if not o.ok]
    console.print(f"{len(outcomes) - len(failed)} of {len(outcomes)} peers synced")
    if failed:
        raise typer.Exit(1)


def _share_measures(settings: Settings, db: Database) -> int:
    """Tell the peers the restrictive measures in force now (before a sync or an export)."""
    exchange = partial(denial_exchange, settings=settings)
    sent = share_node_measures(db, node_cases(settings, None, exchange))
    if sent:
        console.print(f"{sent} restrictive measure version(s) shared with the groups")
    return sent


def _progress(outcome: PeerOutcome) -> None:
    counts = (
        f"verified size {outcome.verified_size}, {outcome.received} new objects, "
        f"{outcome.inbox_verified} pushed to us verified, {outcome.pushed} pushed, "
        f"{outcome.waiting} waiting"
    )
    if outcome.refused:
        counts += f", [red]{outcome.refused} refused[/red]"
    if outcome.error:
        console.print(f"[red]{outcome.peer}: failed[/red]: {outcome.error}")
    else:
        console.print(f"{outcome.peer}: {counts}")


def status() -> None:
    """Each peer's status: last sync, last verified checkpoint, lag, errors, evidence."""
    _, db = open_database()
    views = federation_status(db)
    if not views:
        console.print("no active peers")
        return
    table = Table("peer", "origin", "verified", "lag", "last success", "errors", "evidence")
    for view in views:
        table.add_row(
            view.name,
            view.origin,
            _text(view.verified_size),
            _lag(view),
            view.last_success_at.strftime("%Y-%m-%d %H:%M:%S") if view.last_success_at else "never",
            ("BLOCKED: " if view.blocked else "") + (view.last_error or "")[:80],
            str(view.evidence_count),
        )
    # a console made now reads the terminal's width (COLUMNS) as it is for this command
    Console(soft_wrap=True).print(table)


def _text(value: int | None) -> str:
    return "-" if value is None else str(value)


def _lag(view: PeerView) -> str:
    entries = "-" if view.lag_entries is None else f"{view.lag_entries} entries"
    seconds = "" if view.lag_seconds is None else f", {view.lag_seconds:.0f} s"
    return entries + seconds


def export(
    peer: Annotated[str, typer.Option(help="the peer the bundle is for")],
    out: Annotated[Path, typer.Option(help="the bundle file to write")],
    since: Annotated[
        int | None,
        typer.Option(help="the size of our log the peer verified last (default: last export's)"),
    ] = None,
) -> None:
    """Write an air-gap bundle for a peer: our objects for it since SIZE, with our checkpoint
    and every proof, to carry across the gap and import there."""
    settings, db = open_database()
    tlog = open_log(settings, db)
    if _share_measures(settings, db):
        Publisher(db, tlog).drain()  # what a bundle carries must be in the log first
    tlog.integrate()
    bundle = export_peer_bundle(settings, db, tlog, peer, since)
    out.write_bytes(bundle.encode())
    console.print(
        f"wrote {out}: {len(bundle.objects)} objects, from size {bundle.old_size} "
        f"to the checkpoint of {settings.log_origin}"
    )


def import_bundle(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a bundle file")],
) -> None:
    """Verify a peer's air-gap bundle exactly as a sync would, and keep what it proves."""
    settings, db = open_database()
    peer, verified = import_peer_bundle(db, file.read_bytes(), received_follower(settings))
    size = verified.checkpoint.checkpoint.size
    console.print(f"{peer}: verified size {size}, {len(verified.objects)} objects verified")


def reset(name: Annotated[str, typer.Argument(help="the peer's name")]) -> None:
    """Accept a peer again after it showed a split view (the evidence is kept): its last
    verified checkpoint is forgotten, the next sync trusts the one it serves then."""
    _, db = open_database()
    if reset_peer(db, name):
        console.print(f"{name}: reset; the next sync starts from its current checkpoint")
    else:
        console.print(f"{name}: nothing to reset")
