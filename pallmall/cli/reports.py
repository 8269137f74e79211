"""``pallmall report``: build, publish, verify and export transparency reports; the
market-growth observatory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pallmall.cli.context import open_database
from pallmall.cli.log import log_vkey, publish_changes
from pallmall.core.auth import SYSTEM
from pallmall.core.clock import utcnow
from pallmall.core.errors import NotFound, PallmallError
from pallmall.core.ids import new_id
from pallmall.core.settings import load_settings
from pallmall.reports import (
    Report,
    build_report,
    make_spec,
    observe,
    parse_period,
    parse_statements,
    read_log,
    report_csv,
    verify_report,
)
from pallmall.reports.growth import registry_vendors
from pallmall.reports.ports import publish_report
from pallmall.storage.database import Database
from pallmall.storage.reports import SqlReportStore

report_app = typer.Typer(
    help="Transparency reports computed from the log, and the market-growth observatory.",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
State = Annotated[str, typer.Option("--state", help="the reporting state, e.g. GB")]
Period = Annotated[str, typer.Option("--period", help="YYYY, YYYY-Qn, YYYY-MM or A..B")]
Statements = Annotated[
    Path | None,
    typer.Option(help="JSON: the state's self-assessment {C1: {status, statement}, ...}"),
]


def _fail(exc: PallmallError) -> typer.Exit:
    err.print(f"[red]FAILED:[/red] {exc}")
    return typer.Exit(2)


def local_report(db: Database, state: str, period: str, statements: Path | None) -> Report:
    """Drain the outbox into this node's log, then build the report from the log folder."""
    publish_changes(db)
    start, end, label = parse_period(period)
    said = parse_statements(json.loads(statements.read_text())) if statements else {}
    snapshot = read_log(load_settings().data_dir / "log" / "public", log_vkey())
    stamp = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    return build_report(snapshot, make_spec(state, start, end, label), new_id("rpt"), stamp, said)


@report_app.command("build")
def build(
    state: State,
    period: Period,
    output: Annotated[Path, typer.Option("-o", help="where to write the report JSON")],
    statements: Statements = None,
    csv: Annotated[Path | None, typer.Option(help="also write the figures as CSV")] = None,
) -> None:
    """Build a report from this node's log (without publishing it)."""
    _, db = open_database()
    report = local_report(db, state, period, statements)
    output.write_text(report.dumps())
    if csv:
        csv.write_text(report_csv(report))
    cp = report.checkpoint
    console.print(f"{report.id}: {state} {report.spec.label} from {cp.origin} size {cp.size}")


@report_app.command("publish")
def publish(state: State, period: Period, statements: Statements = None) -> None:
    """Build a report from this node's log, store it and append ``report.published`` (with
    the report's digest) to the log."""
    _, db = open_database()
    report = local_report(db, state, period, statements)
    with db.write() as tx:
        publish_report(SYSTEM, report, SqlReportStore(tx.conn), tx.outbox, tx.audit, utcnow())
    publish_changes(db)
    console.print(f"published {report.id} (digest {report.digest})")


@report_app.command("verify")
def verify(
    report: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="REPORT.json")],
    log: Annotated[str, typer.Option("--log", help="the log folder or its base URL")],
    vkey: Annotated[str, typer.Option("--vkey", help="the log's verifier key (/log/vkey)")],
) -> None:
    """Recompute every figure of a report from the log alone. Exit 0 when all match;
    otherwise print what differs and exit 2."""
    try:
        data = json.loads(report.read_text())
        checked = verify_report(data, log, vkey)
    except ValueError as exc:  # not JSON
        raise _fail(PallmallError(f"{report}: not JSON ({exc})")) from exc
    except PallmallError as exc:
        raise _fail(exc) from exc
    cp = checked.report.checkpoint
    console.print(
        f"OK {checked.report.id}: {checked.figures_checked} figures recomputed from "
        f"{cp.origin} size {cp.size} (log now {checked.log_size}) match the report; "
        f"{checked.recounted} decision figures confirmed by an independent recount"
    )
    if checked.published_at is None:
        console.print("not published in this log (a report built, not published)")
    else:
        console.print(f"published: log entry {checked.published_at} commits to this report")


@report_app.command("list")
def list_reports() -> None:
    """The published reports, newest first."""
    _, db = open_database()
    with db.read() as tx:
        for stored in SqlReportStore(tx.conn).list():
            r = stored.report
            console.print(f"{r.id}\t{r.spec.state}\t{r.spec.label}\tsize {r.checkpoint.size}")


@report_app.command("export")
def export(
    report_id: Annotated[str, typer.Argument(help="a published report's id")],
    output: Annotated[Path, typer.Option("-o")],
    fmt: Annotated[str, typer.Option("--format", help="json | csv")] = "json",
) -> None:
    """Write a published report as JSON (for ``report verify``) or CSV."""
    _, db = open_database()
    with db.read() as tx:
        stored = SqlReportStore(tx.conn).get(report_id)
    if stored is None:
        raise NotFound(f"no report {report_id}")
    output.write_text(stored.report.dumps() if fmt == "json" else report_csv(stored.report))


@report_app.command("growth")
def growth(
    claim: Annotated[float, typer.Option(help="the claimed doubling time, years")] = 10.0,
) -> None:
    """The market-growth observatory on this node's registry: coverage, doubling time and
    its 95 % bootstrap interval."""
    _, db = open_database()
    with db.read() as tx:
        result = observe(registry_vendors(tx.registry), claim_years=claim)
    console.print(f"vendors {result.total}, dated {result.dated} ({result.coverage:.0%})")
    if result.fit is None:
        console.print("too few dated vendors to fit")
        return
    console.print(
        f"doubling time {result.fit.doubling_time:.1f} years "
        f"(95 % CI {result.ci_low:.1f}-{result.ci_high:.1f}), fit {result.fit.start}-"
        f"{result.fit.end}, R² {result.fit.r_squared:.2f}; claim {claim:g} years "
        f"{'inside' if result.claim_in_interval else 'outside'} the interval"
    )
