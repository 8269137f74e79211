"""``pallmall lists`` and ``pallmall screen``: restricted-party lists and screening."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from pallmall.cli.context import open_database
from pallmall.core.errors import Conflict
from pallmall.screening import (
    ChangeKind,
    EntrySchema,
    ListFormat,
    ListSource,
    LoadReport,
    Party,
    as_dict,
    diff_versions,
    list_ages,
    load_list,
    load_shipped_lists,
    read_parties,
    results_to_csv,
    results_to_json,
    screen_batch,
)
from pallmall.storage.database import Database
from pallmall.storage.screening import SqlListStore, current_snapshots
from pallmall.wiring import screening_desk, screening_index_root, update_lists

lists_app = typer.Typer(
    help="Restricted-party lists: load snapshots, show what is in force.", no_args_is_help=True
)
console = Console()
err = Console(stderr=True)


def record_shipped_lists(db: Database) -> None:
    """Store the lists shipped with pallmall, unless that version is stored already."""
    store = SqlListStore(db.engine)
    for report in load_shipped_lists():
        _record(store, report, quiet_if_stored=True)


@lists_app.command("load")
def load(
    fmt: Annotated[
        ListFormat,
        typer.Argument(
            metavar="FORMAT",
            help=(
                "ofac_csv, un_xml, us_csl_csv, ftm_json, uk_sanctions_list_xml, uk_derived "
                "or eu_fsf_xml"
            ),
        ),
    ],
    path: Annotated[Path, typer.Argument(exists=True)],
    list_id: Annotated[str, typer.Option(help="stable id of the list, e.g. us_ofac_sdn")],
    version: Annotated[str, typer.Option(help="the publisher's date or tag")] = "",
    published: Annotated[str, typer.Option(help="YYYY-MM-DD")] = "",
    alt: Annotated[Path | None, typer.Option(help="OFAC alt.csv")] = None,
    add: Annotated[Path | None, typer.Option(help="OFAC add.csv")] = None,
    skip_bad_rows: Annotated[bool, typer.Option(help="load the good rows, list the bad")] = False,
) -> None:
    """Load a list snapshot; prints listings and delistings since the previous snapshot."""
    source = ListSource(
        fmt,
        path,
        list_id,
        alt=alt,
        add=add,
        version=version,
        published=date.fromisoformat(published) if published else None,
    )
    report = load_list(source, skip_bad_rows=skip_bad_rows)
    for skipped in report.skipped:
        console.print(f"  skipped {skipped.position}: {skipped.reason}")
    _, db = open_database()
    _record(SqlListStore(db.engine), report, quiet_if_stored=False)
    console.print(
        "open licence cases are re-checked against it by the running server within "
        "PALLMALL_RECHECK_SECONDS, or now with `pallmall cases recheck`"
    )


@lists_app.command("show")
def show() -> None:
    """The newest snapshot of every list, how old it is, and whether it is overdue (older
    than its publisher's usual interval between versions)."""
    _, db = open_database()
    table = Table("list", "version", "published", "age (days)", "expected (days)", "", "source")
    for age in list_ages(current_snapshots(SqlListStore(db.engine)), date.today()):
        s = age.snapshot
        days = "?" if age.age_days is None else str(age.age_days)
        table.add_row(
            s.list_id, s.version, str(s.published or ""), days, str(age.expected_days),
            "OVERDUE" if age.overdue else "", s.source,
        )  # fmt: skip
    console.print(table)


@lists_app.command("update")
def update(
    lists: Annotated[
        list[str] | None, typer.Argument(metavar="[LIST]...", help="default: the lists in force")
    ] = None,
    offline: Annotated[
        Path | None,
        typer.Option(
            file_okay=False, exists=True, help="read the files from this folder, no network"
        ),
    ] = None,
) -> None:
    """Fetch each list from its publisher (conditional requests, retries), validate it,
    diff it against the version in force and load it. A list that cannot be fetched or
    read keeps the version in force; the command then exits 2. Feeds: the official URLs,
    overridden or extended by PALLMALL_DATA_DIR/lists-feeds.json (docs/screening.md)."""
    settings, db = open_database()
    outcomes = update_lists(settings, db, lists or [], offline)
    for outcome in outcomes:
        if outcome.status == "failed":
            kept = "the version in force stays"
            err.print(f"[red]error:[/red] {outcome.list_id}: {outcome.error} ({kept})")
        elif outcome.diff is not None:
            counts = {k.value: len(outcome.diff.of_kind(k)) for k in ChangeKind}
            summary = ", ".join(f"{n} {k}" for k, n in counts.items())
            console.print(f"{outcome.list_id}: updated to {outcome.version} ({summary})")
        else:
            console.print(f"{outcome.list_id}: unchanged {outcome.error}".rstrip())
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(2)


@lists_app.command("diff")
def diff(
    list_id: Annotated[str, typer.Argument(metavar="LIST", help="e.g. us_ofac_sdn")],
    old: Annotated[
        str | None, typer.Option("--from", help="version (default: the one before --to)")
    ] = None,
    new: Annotated[str | None, typer.Option("--to", help="version (default: newest)")] = None,
) -> None:
    """Listings, delistings and changed entries of LIST between two stored versions."""
    _, db = open_database()
    found = diff_versions(SqlListStore(db.engine), list_id, old, new)
    before = found.old.version if found.old else "nothing"
    console.print(f"{list_id}: {before} -> {found.new.version}")
    table = Table("change", "entry", "name", "effective", "fields changed")
    for change in found.changes:
        table.add_row(
            change.kind.value, change.entry_id, change.name, str(change.effective or ""),
            ", ".join(change.fields),
        )  # fmt: skip
    console.print(table)
    counts = {k: len(found.of_kind(k)) for k in ChangeKind}
    console.print(", ".join(f"{n} {k.value}" for k, n in counts.items()))


def screen(
    name: Annotated[str, typer.Argument(help="the party's name (or omit with --csv)")] = "",
    csv_file: Annotated[
        Path | None, typer.Option("--csv", exists=True, dir_okay=False, help="a CSV of parties")
    ] = None,
    output: Annotated[Path | None, typer.Option("-o", help="results file (.csv or .json)")] = None,
    schema: Annotated[EntrySchema, typer.Option()] = EntrySchema.UNKNOWN,
    country: Annotated[list[str] | None, typer.Option(help="repeatable")] = None,
    birth_date: Annotated[str, typer.Option(help="YYYY[-MM[-DD]]")] = "",
) -> None:
    """Screen one party, or a CSV of parties (with a progress bar), against the lists in force.

    Exits 1 when the party (or any party of the CSV) alerts, 0 when none does."""
    settings, db = open_database()
    screener = screening_desk(db, screening_index_root(settings)).screener()
    if csv_file is None:
        if not name:
            raise typer.BadParameter("give a NAME or --csv FILE")
        result = screener.screen(Party(name, schema, (), tuple(country or ()), birth_date))
        _print_result(as_dict(result))
        raise typer.Exit(1 if result.alerts else 0)
    with csv_file.open(encoding="utf-8", newline="") as handle:
        parties = read_parties(handle)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("screening", total=len(parties))
        results = screen_batch(
            screener, parties, lambda done, total: progress.update(task, completed=done)
        )
    as_json = output is not None and output.suffix == ".json"
    text = (results_to_json if as_json else results_to_csv)(parties, results)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    alerts = sum(1 for r in results if r.alerts)
    err.print(f"{len(parties)} parties screened, {alerts} with alerts")
    raise typer.Exit(1 if alerts else 0)


def _record(store: SqlListStore, report: LoadReport, quiet_if_stored: bool) -> None:
    info = report.snapshot
    try:
        diff = store.record(report)
    except Conflict:
        if quiet_if_stored:
            return
        raise
    kinds: dict[str, int] = {}
    for change in diff.changes:
        kinds[change.kind.value] = kinds.get(change.kind.value, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no changes"
    console.print(f"{info.list_id} {info.version}: {len(report.entries)} entries ({summary})")


def _print_result(result: dict[str, object]) -> None:
    hits = result.get("hits") or []
    assert isinstance(hits, list)
    if not hits:
        console.print("no hits")
    for hit in hits[:10]:
        console.print(
            f"[bold]{hit['score']:.2f}[/bold] {'ALERT ' if hit.get('alert') else ''}"
            f"{hit['entry_name']} — {hit['list_id']} {hit['entry_id']} "
            f"{', '.join(hit.get('programmes') or [])}"
        )
