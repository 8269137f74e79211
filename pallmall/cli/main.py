"""The ``pallmall`` command (Typer + Rich). Run ``pallmall --help``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from pallmall.cli.attestation import attestation_app
from pallmall.cli.cases import cases_app
from pallmall.cli.context import open_database
from pallmall.cli.equities import equities_app
from pallmall.cli.federation import federation_app, peer_app
from pallmall.cli.federation_sync import register as register_sync
from pallmall.cli.intel import (
    COLLECTIONS,
    INTEL_FORMATS,
    export_intel,
    import_incidents,
    import_intel,
)
from pallmall.cli.links import link_commands
from pallmall.cli.lists import lists_app, record_shipped_lists
from pallmall.cli.lists import screen as screen_command
from pallmall.cli.log import log_app, log_vkey, publish_changes, witness_app
from pallmall.cli.reports import report_app
from pallmall.cli.security import backup_command, restore_command, token_app, user_commands
from pallmall.cli.serving import SERVE_OPTIONS
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, AccountKind, Role
from pallmall.core.deferred import DeferredModule
from pallmall.core.errors import InvalidInput, PallmallError
from pallmall.core.paging import PageRequest
from pallmall.disclosure import NODE, PUBLIC
from pallmall.registry.demo import READERS, shipped_batches
from pallmall.registry.ftm import export_entities
from pallmall.registry.importers.batch import ImportBatch
from pallmall.registry.importing import ImportReport, apply_batch
from pallmall.registry.service import RegistryService
from pallmall.registry.store import RecordQuery, RegistryStore, Stored
from pallmall.storage.database import Database

app = typer.Typer(
    help="pallmall: oversight of the commercial cyber intrusion market.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
user_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(lists_app, name="lists")
app.add_typer(log_app, name="log")
app.add_typer(cases_app, name="cases")
app.add_typer(witness_app, name="witness")
app.add_typer(report_app, name="report")
app.add_typer(equities_app, name="equities")
app.add_typer(attestation_app, name="attestation")
register_sync(federation_app, peer_app)  # sync, status, export, import, peer reset
app.add_typer(federation_app, name="federation")
app.command("screen")(screen_command)
app.command("backup")(backup_command)
app.command("restore")(restore_command)
console = Console(soft_wrap=True)
err = Console(stderr=True)
PREFORK = DeferredModule("pallmall.cli.prefork")
"""``serve --workers N`` (N > 1): imports uvicorn's supervisor, and the app, only then."""


def main() -> None:
    """Entry point: run the app, printing pallmall's own errors (and a full or read-only
    disk) without a traceback. Files it creates are owner-only (umask 077)."""
    os.umask(0o077)
    try:
        app()
    except PallmallError as exc:
        err.print(f"[red]error:[/red] {exc}")
        sys.exit(2)
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        err.print(f"[red]error:[/red]{where}: {exc.strerror or exc}")
        sys.exit(2)


@app.command()
def init(demo: Annotated[bool, typer.Option(help="load the shipped demo data")] = False) -> None:
    """Create the data folder and the database (migrated); with --demo, load the demo data."""
    _, db = open_database()
    console.print(f"database ready: {db.url}")
    console.print(f"transparency log verifier key: {log_vkey()}")
    if demo:
        _import(db, shipped_batches())
        record_shipped_lists(db)
    publish_changes(db)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
) -> None:
    """Serve the web portal and the API."""
    import uvicorn

    settings, db = open_database()
    db.dispose()  # the migrations check's connection: none crosses a fork (cli/prefork.py)
    console.print(f"pallmall on http://{host}:{port}/  (API docs: /api/v1/docs)")
    config = uvicorn.Config(
        "pallmall.cli.asgi:app",
        host=host,
        port=port,
        workers=workers,
        factory=True,
        loop=SERVE_OPTIONS["loop"],  # see SERVE_OPTIONS: what the benchmarks serve with
        http=SERVE_OPTIONS["http"],
        log_level=SERVE_OPTIONS["log_level"],
        timeout_worker_healthcheck=120,  # see SERVE_OPTIONS' note on --workers
    )
    if workers == 1:
        server = uvicorn.Server(config)
        server.run()
        if not server.started:  # as uvicorn.run: the app or the socket failed
            raise typer.Exit(3)
        return
    PREFORK.load().serve_workers(settings, config)


@app.command("import")
def import_(
    kind: Annotated[
        str,
        typer.Argument(help="galaxy | designations | products | relationships | stix | incidents"),
    ],
    files: Annotated[list[Path], typer.Argument(exists=True, readable=True)],
    collection: Annotated[str, typer.Option(help="stix: the TAXII collection")] = "public",
    product: Annotated[
        str | None, typer.Option(help="incidents: the product the rows are about")
    ] = None,
    reporter: Annotated[
        str | None,
        typer.Option("--as", help="incidents: report as this user (e-mail); owner: its account"),
    ] = None,
    add_states: Annotated[
        bool,
        typer.Option(help="incidents: add operators the registry lacks as state records"),
    ] = False,
) -> None:
    """Import registry sources, threat intel (``stix``: STIX 2.1 bundles, MISP JSON, CSV,
    files or folders), or public victim databases (``incidents``: Granitt's CSV layout, one
    reported incident per row). Registry imports are all or nothing; skipped items are
    listed; every import says what linked to the registry and what did not."""
    if kind == "incidents":
        if any(f.is_dir() for f in files):
            raise typer.BadParameter("incident imports take files", param_hint="FILES")
        _, db = open_database()
        import_incidents(db, files, product, reporter, console, add_states)
        publish_changes(db)
        return
    if kind == "stix":
        if collection not in COLLECTIONS:
            raise typer.BadParameter(f"one of {', '.join(COLLECTIONS)}", param_hint="--collection")
        _, db = open_database()
        import_intel(db, files, collection, console)
        return
    if kind not in READERS:
        known = ", ".join([*READERS, "stix", "incidents"])
        raise typer.BadParameter(f"{kind!r} is not one of {known}", param_hint="KIND")
    if any(f.is_dir() for f in files):
        raise typer.BadParameter("registry imports take files, not folders", param_hint="FILES")
    _, db = open_database()
    _import(db, [READERS[kind](f) for f in files])


@app.command()
def export(
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="ftm (FollowTheMoney JSON lines), stix (STIX 2.1, public data), "
            "mvt (indicators for MVT)",
        ),
    ] = "ftm",
    output: Annotated[
        Path | None, typer.Option("-o", help="file (default: standard output)")
    ] = None,
    collection: Annotated[str, typer.Option(help="mvt: the TAXII collection")] = "public",
    include_restricted: Annotated[
        bool,
        typer.Option(
            "--include-restricted",
            help="ftm: also restricted records, relationships and sources, each entity that "
            'carries any marked "visibility": "restricted" (for the node\'s own use, never '
            "to publish)",
        ),
    ] = False,
) -> None:
    """Export the public registry (ftm), the registry and confirmed public incidents (stix),
    or a collection's indicators (mvt)."""
    if include_restricted and fmt != "ftm":
        raise typer.BadParameter("only the ftm export takes restricted data", param_hint="--format")
    if fmt in INTEL_FORMATS:
        _, db = open_database()
        export_intel(db, fmt, collection, output, err)
        return
    if fmt != "ftm":
        raise typer.BadParameter("one of ftm, stix, mvt", param_hint="--format")
    _, db = open_database()
    reader = NODE if include_restricted else PUBLIC
    with db.read() as tx:
        records = _all_records(tx.registry)
        entities = export_entities(records, tx.registry.all_relationships(), reader)
        lines = [json.dumps(e, sort_keys=True) for e in entities]
    if include_restricted:
        marked = sum(1 for line in lines if '"visibility": "restricted"' in line)
        err.print(f"[bold]{marked} entities carry restricted data[/] (marked); do not publish")
    text = "\n".join(lines) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
        err.print(f"{len(lines)} entities written to {output}")


@app.command()
def search(query: str, limit: int = 10) -> None:
    """Search the registry by name or alias and print matches with their designations."""
    _, db = open_database()
    with db.read() as tx:
        service = RegistryService(tx.registry, tx.audit, tx.outbox)
        page = service.search(SYSTEM, RecordQuery(q=query), PageRequest(0, limit))
    if not page.items:
        console.print(f"no record matches {query!r}")
        raise typer.Exit(1)
    for stored in page.items:
        _print_record(stored)
    console.print(f"{len(page.items)} of {page.total} shown")


@user_app.command("add")
def user_add(
    email: str,
    role: Annotated[Role, typer.Option(case_sensitive=False)],
    name: Annotated[str, typer.Option()] = "",
    account: Annotated[str, typer.Option(help="account organisation name")] = "",
    kind: Annotated[AccountKind, typer.Option(help="its kind")] = AccountKind.PUBLIC,
    state: Annotated[
        str,
        typer.Option(
            help="the state a state body acts for (ISO 3166-1 alpha-2, e.g. GB): required for "
            "export_authority, state_agency and oversight_body accounts"
        ),
    ] = "",
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, envvar="PALLMALL_PASSWORD"
        ),
    ] = "",
    token: Annotated[bool, typer.Option(help="also issue an API token")] = False,
) -> None:
    """Add a user (and its account organisation); optionally print a new API token."""
    _, db = open_database()
    with db.write() as tx:
        service = AccountService(tx.accounts, tx.audit)
        if state and not account:
            raise InvalidInput("state", "a state belongs to an account: give --account too")
        org = service.ensure_org(SYSTEM, account, kind, state or None) if account else None
        user = service.create_user(SYSTEM, email, name or email, role, org, password or None)
        issued = service.issue_token(SYSTEM, user, "cli") if token else None
    console.print(f"user {user.email} ({user.role.value}) created: {user.id}")
    if issued:
        console.print(f"API token (shown once): {issued}")


@user_app.command("list")
def user_list() -> None:
    """List users."""
    _, db = open_database()
    with db.read() as tx:
        users = tx.accounts.list_users()
    table = Table("e-mail", "name", "role", "account", "state", "active")
    for u in users:
        account = u.account.name if u.account else ""
        state = (u.account.state or "") if u.account else ""
        active = "yes" if u.active else "no"
        table.add_row(u.email, u.name, u.role.value, account, state, active)
    console.print(table)


user_commands(user_app)
link_commands(user_app)


def _import(db: Database, batches: list[ImportBatch]) -> None:
    reports: list[ImportReport] = []
    with db.write() as tx, Progress(console=err, transient=True) as progress:
        service = RegistryService(tx.registry, tx.audit, tx.outbox)
        task = progress.add_task("importing", total=len(batches))
        for batch in batches:
            reports.append(apply_batch(service, SYSTEM, batch))
            progress.advance(task)
    for report in reports:
        console.print(report.summary())
        for skipped in report.skipped:
            console.print(f"  skipped {skipped.where}: {skipped.reason}")


def _all_records(store: RegistryStore) -> list[Stored]:
    out: list[Stored] = []
    offset = 0
    while True:
        page = store.search(RecordQuery(include_restricted=True), PageRequest(offset, 500))
        out.extend(page.items)
        if not page.has_more:
            return out
        offset += 500


def _print_record(stored: Stored) -> None:
    record = stored.record
    kinds = ", ".join(k.value for k in getattr(record, "kinds", ())) or record.type.value
    console.print(
        f"[bold]{record.name}[/bold]  ({kinds}; {', '.join(record.jurisdictions)})  {stored.id}"
    )
    if record.aliases:
        console.print(f"  aka {', '.join(record.aliases)}")
    for d in getattr(record, "designations", ()):
        prog = f" [{d.programme}]" if d.programme else ""
        console.print(f"  designated: {d.authority}{prog} on {d.listed_on} — {d.citation}")
