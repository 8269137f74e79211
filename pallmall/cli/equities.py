"""``pallmall equities``: the vulnerability equities register from the node's shell, and the
check of an opening against a log anyone can run.

Decisions are taken by users (four eyes by identity): commands that change an entry take
``--as`` the e-mail of the user acting; reading commands run as the node's operator.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

from pallmall.cli.context import open_database
from pallmall.core.auth import SYSTEM, Principal
from pallmall.core.errors import InvalidInput, NotFound
from pallmall.core.paging import PageRequest
from pallmall.equities import DecisionIn, Status, VulnerabilityIn, verify_opening
from pallmall.equities.model import EscalationIn, VulnerabilityQuery
from pallmall.log import entries_path, fetcher_for, parse_entry, verify_log
from pallmall.log.bundle import decode_bundle
from pallmall.log.layout import TILE_WIDTH
from pallmall.storage.database import Tx
from pallmall.wiring import equities_service as build_service

M = TypeVar("M", bound=BaseModel)
equities_app = typer.Typer(
    help="The vulnerability equities register (state bodies) and its checks.",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)
As = Annotated[str, typer.Option("--as", help="e-mail of the user acting (four eyes)")]
JsonFile = Annotated[
    Path, typer.Option("--file", exists=True, dir_okay=False, help="the JSON body (see the API)")
]


def acting(tx: Tx, email: str) -> Principal:
    """The principal of the active user ``email``.

    Raises:
        NotFound: no active user with that e-mail.
    """
    found = tx.accounts.user_by_email(email.strip().lower())
    if found is None or not found[0].active:
        raise NotFound(f"no active user {email!r}")
    return found[0].principal()


def _body(model: type[M], path: Path) -> M:
    try:
        return model.model_validate(json.loads(path.read_text()))
    except json.JSONDecodeError as exc:
        raise InvalidInput(str(path), f"not JSON: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or str(path)
        raise InvalidInput(where, first["msg"]) from exc


@equities_app.command("list")
def list_entries(
    state: Annotated[str | None, typer.Option(help="only this state")] = None,
    status: Annotated[Status | None, typer.Option(help="only this status")] = None,
    overdue: Annotated[bool, typer.Option(help="only reviews past due")] = False,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
) -> None:
    """List entries, soonest review first; overdue reviews are flagged."""
    _, db = open_database()
    with db.read() as tx:
        register = build_service(tx)
        today = register.clock().date()
        query = VulnerabilityQuery(state, status, today if overdue else None)
        page = register.search(SYSTEM, query, PageRequest(0, limit))
    table = Table("id", "state", "status", "next review", "product", "title")
    for v in page.items:
        review = v.next_review.isoformat() if v.next_review else ""
        flag = " OVERDUE" if v.overdue(today) else ""
        table.add_row(
            v.id, v.state, v.status.value, review + flag, v.details.product, v.details.title
        )
    console.print(table)
    console.print(f"{len(page.items)} of {page.total} shown")


@equities_app.command("show")
def show(vulnerability_id: str) -> None:
    """Show an entry: the decision in force, the proposal, the history."""
    _, db = open_database()
    with db.read() as tx:
        view = build_service(tx).view(SYSTEM, vulnerability_id)
    v = view.vulnerability
    console.print(f"[bold]{v.details.title}[/bold]  {v.state}  {v.status.value}  v{v.version}")
    console.print(f"product: {v.details.product}  cve: {v.details.cve or '-'}")
    console.print(f"acquired {v.details.acquired_on} ({v.details.manner.value})")
    for label, d in (("decision", v.decision), ("proposal", v.proposal)):
        if d is not None:
            console.print(f"{label}: {d.outcome.value} by {d.deciding_body}, review {d.review_on}")
    for e in view.events:
        console.print(
            f"  {e.at:%Y-%m-%d %H:%M} {e.actor} {e.verb} {e.from_status} -> {e.to_status}"
        )


def _change(email: str, act: Any) -> None:
    _, db = open_database()
    with db.write() as tx:
        who = acting(tx, email)
        v = act(build_service(tx), who)
    console.print(f"{v.id}: {v.status.value} (v{v.version})")


@equities_app.command("record")
def record(as_user: As, file: JsonFile) -> None:
    """Record a vulnerability the state of the user's account holds (JSON: title, product,
    acquired_on, manner, optional cve, registry_id, notes)."""
    body = _body(VulnerabilityIn, file)
    _change(as_user, lambda s, who: s.record(who, body))


@equities_app.command("propose")
def propose(vulnerability_id: str, as_user: As, file: JsonFile) -> None:
    """Propose a decision (JSON: outcome, equities, rationale, deciding_body, review_on)."""
    body = _body(DecisionIn, file)
    _change(as_user, lambda s, who: s.propose(who, vulnerability_id, body))


@equities_app.command("approve")
def approve(vulnerability_id: str, as_user: As) -> None:
    """Approve the proposal (another user than its proposer); it is committed in the log."""
    _change(as_user, lambda s, who: s.approve(who, vulnerability_id))


@equities_app.command("escalate")
def escalate(
    vulnerability_id: str,
    as_user: As,
    to: Annotated[str, typer.Option("--to", help="the body it goes up to")],
    reason: Annotated[str, typer.Option(help="why")],
) -> None:
    """Escalate the proposal to another body, which becomes the deciding body."""
    body = EscalationIn(to_body=to, reason=reason)
    _change(as_user, lambda s, who: s.escalate(who, vulnerability_id, body))


@equities_app.command("return")
def return_command(
    vulnerability_id: str, as_user: As, reason: Annotated[str, typer.Option(help="why")]
) -> None:
    """Send the proposal back undecided."""
    _change(as_user, lambda s, who: s.return_proposal(who, vulnerability_id, reason))


@equities_app.command("notify-vendor")
def notify_vendor(
    vulnerability_id: str,
    as_user: As,
    on: Annotated[str, typer.Option("--on", help="YYYY-MM-DD")],
) -> None:
    """Record the date the vendor of a disclosed vulnerability was notified."""
    try:
        day = date.fromisoformat(on)
    except ValueError:
        raise InvalidInput("on", f"{on!r} is not a date (YYYY-MM-DD)") from None
    _change(as_user, lambda s, who: s.notify_vendor(who, vulnerability_id, day))


@equities_app.command("cve")
def record_cve(vulnerability_id: str, as_user: As, cve: str) -> None:
    """Record the CVE of a disclosed vulnerability once it is public."""
    _change(as_user, lambda s, who: s.record_cve(who, vulnerability_id, cve))


@equities_app.command("open")
def open_command(vulnerability_id: str, as_user: As) -> None:
    """Open the decision commitments of a disclosed vulnerability in the log."""
    _, db = open_database()
    with db.write() as tx:
        change = build_service(tx).open(acting(tx, as_user), vulnerability_id)
    console.print(f"{change.subject}: {len(change.public['openings'])} decision(s) opened")


@equities_app.command("verify")
def verify(
    index: Annotated[int, typer.Argument(min=0, help="the opening's index in the log")],
    log: Annotated[str, typer.Option("--log", help="the log folder or its base URL")],
    vkey: Annotated[str, typer.Option("--vkey", help="the log's verifier key")],
) -> None:
    """Check an opening against the log alone: audit the log with the vkey, then recompute
    each opened decision's commitment in its earlier entry. Exit 2 on any mismatch."""
    size = verify_log(log, vkey).checkpoint.size
    fetcher = fetcher_for(log)

    def entry_at(at: int) -> bytes:
        if not 0 <= at < size:
            raise NotFound(f"entry {at} is not in the log of size {size}")
        tile = at // TILE_WIDTH
        width = min(TILE_WIDTH, size - tile * TILE_WIDTH)
        return decode_bundle(fetcher.fetch(entries_path(tile, width)))[at % TILE_WIDTH]

    for d in verify_opening(parse_entry(entry_at(index)), index, entry_at):
        console.print(
            f"OK: entry {d.index} ({d.time}) committed to a {d.outcome} decision on {d.subject} "
            f"by {d.decision.get('deciding_body')}"
        )
