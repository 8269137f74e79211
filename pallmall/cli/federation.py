"""``pallmall federation``: peers (other states' nodes) and sharing groups, from the node's
shell, as its operator. ``peer add`` prints, once, the token the peer must call this node
with; the token the peer gave us is read from a file and never printed again."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pallmall.cli.context import open_database
from pallmall.core.auth import SYSTEM
from pallmall.core.errors import InvalidInput
from pallmall.disclosure.marking import Tlp
from pallmall.federation.directory import PeerIn
from pallmall.wiring import incident_sharing, peer_directory

federation_app = typer.Typer(
    help="Federation with other states' nodes: peers, sharing groups.", no_args_is_help=True
)
peer_app = typer.Typer(help="Peers: other nodes this node exchanges with.", no_args_is_help=True)
group_app = typer.Typer(help="Sharing groups: named sets of peers.", no_args_is_help=True)
federation_app.add_typer(peer_app, name="peer")
federation_app.add_typer(group_app, name="group")
console = Console(soft_wrap=True)
TokenFile = Annotated[
    Path | None,
    typer.Option(
        "--token-file", exists=True, dir_okay=False, help="file holding the token the peer gave us"
    ),
]


def read_token(path: Path) -> str:
    """The one token in ``path`` (surrounding blank space dropped).

    Raises:
        InvalidInput: naming the file when it holds no token or more than one word.
    """
    token = path.read_text().strip()
    if not token or any(c.isspace() for c in token):
        raise InvalidInput(str(path), "must hold one token")
    return token


@peer_app.command("add")
def peer_add(
    name: Annotated[str, typer.Argument(help="local name of the peer: a-z, 0-9, '-'")],
    url: Annotated[str, typer.Option(help="the peer node's base URL")],
    origin: Annotated[str, typer.Option(help="the peer log's origin")],
    vkey: Annotated[str, typer.Option(help="the peer log's verifier key")],
    state: Annotated[str, typer.Option(help="the peer's state, ISO 3166-1 alpha-2")],
    witness_vkey: Annotated[str, typer.Option(help="the peer witness's verifier key")] = "",
    token_file: TokenFile = None,
) -> None:
    """Add a peer and its local account; print the token it must call this node with."""
    token = read_token(token_file) if token_file else ""
    _, db = open_database()
    with db.write() as tx:
        new = PeerIn(name, url, origin, vkey, state, witness_vkey, token)
        added = peer_directory(tx).add_peer(SYSTEM, new)
    console.print(f"peer {added.peer.name} added ({added.peer.log_origin}, {added.peer.state})")
    if not token:
        console.print(f"store the token it gave us: pallmall federation peer set-token {name}")
    console.print("give the peer this token to call this node (shown once):")
    print(added.token)


@peer_app.command("set-token")
def peer_set_token(
    name: str,
    token_file: Annotated[
        Path, typer.Option("--token-file", exists=True, dir_okay=False, help="the peer's token")
    ],
) -> None:
    """Store the token the peer issued to us (to call it)."""
    token = read_token(token_file)
    _, db = open_database()
    with db.write() as tx:
        peer_directory(tx).set_token(SYSTEM, name, token)
    console.print(f"token of peer {name} stored")


@peer_app.command("list")
def peer_list(
    all_: Annotated[bool, typer.Option("--all", help="also removed peers")] = False,
) -> None:
    """List peers: name, URL, origin, state, witness, whether we hold its token, status."""
    _, db = open_database()
    with db.read() as tx:
        directory = peer_directory(tx)
        peers = directory.peers(SYSTEM, include_removed=all_)
        tokens = {p.name: directory.has_token(SYSTEM, p.name) for p in peers}
    table = Table("name", "url", "origin", "state", "witness", "token", "status")
    for p in peers:
        witness = "yes" if p.witness_vkey else "no"
        held = "held" if tokens[p.name] else "missing"
        table.add_row(p.name, p.url, p.log_origin, p.state, witness, held, p.status.value)
    console.print(table)
    console.print(f"{len(peers)} peer(s)")


@peer_app.command("remove")
def peer_remove(name: str) -> None:
    """Remove a peer: it leaves every group and its token stops working at once."""
    _, db = open_database()
    with db.write() as tx:
        peer_directory(tx).remove_peer(SYSTEM, name)
    console.print(f"peer {name} removed; its account is disabled and its tokens revoked")


@group_app.command("add")
def group_add(
    name: str,
    tlp: Annotated[Tlp, typer.Option(help="the most restricted TLP shared in the group")],
    description: Annotated[str, typer.Option(help="what the group is for")] = "",
) -> None:
    """Add a sharing group."""
    _, db = open_database()
    with db.write() as tx:
        peer_directory(tx).add_group(SYSTEM, name, tlp, description)
    console.print(f"group {name} added (TLP:{tlp.value.upper()})")


@group_app.command("list")
def group_list() -> None:
    """List sharing groups with their TLP and members."""
    _, db = open_database()
    with db.read() as tx:
        groups = peer_directory(tx).groups(SYSTEM)
    table = Table("name", "tlp", "members", "description")
    for group, members in groups:
        table.add_row(group.name, group.tlp.value, ", ".join(members), group.description)
    console.print(table)
    console.print(f"{len(groups)} group(s)")


@group_app.command("join")
def group_join(group: str, peer: str) -> None:
    """Make PEER a member of GROUP."""
    _, db = open_database()
    with db.write() as tx:
        joined = peer_directory(tx).join(SYSTEM, group, peer)
    console.print(f"{peer} {'joined' if joined else 'was already in'} {group}")


@group_app.command("leave")
def group_leave(group: str, peer: str) -> None:
    """Remove PEER from GROUP."""
    _, db = open_database()
    with db.write() as tx:
        left = peer_directory(tx).leave(SYSTEM, group, peer)
    console.print(f"{peer} {'left' if left else 'was not in'} {group}")


@federation_app.command("share-incident")
def share_incident(
    incident_id: str,
    group: Annotated[str, typer.Option(help="the sharing group")],
) -> None:
    """Share a confirmed incident with a group, at the group's TLP (as the node's operator)."""
    _, db = open_database()
    with db.write() as tx:
        added = incident_sharing(tx).share(SYSTEM, incident_id, group)
    console.print(f"incident {incident_id} shared with {group}: {added} new object version(s)")
