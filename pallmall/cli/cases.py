"""``pallmall cases``: list and show cases, re-run due diligence, print the policy rules."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pallmall.cases.model import CaseKind, CaseQuery, CaseStatus
from pallmall.cli.context import open_database
from pallmall.core.auth import SYSTEM
from pallmall.core.paging import PageRequest
from pallmall.policy import shipped_rules
from pallmall.wiring import (
    case_service,
    denial_exchange,
    node_cases,
    screening_desk,
    screening_index_root,
)

cases_app = typer.Typer(
    help="Licence, restriction, procurement and use-authorisation cases.", no_args_is_help=True
)
console = Console(soft_wrap=True)


@cases_app.command("list")
def list_cases(
    kind: Annotated[CaseKind | None, typer.Option(help="only this kind")] = None,
    status: Annotated[CaseStatus | None, typer.Option(help="only this status")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
) -> None:
    """List cases, newest first."""
    _, db = open_database()
    with db.read() as tx:
        page = case_service(tx, None).search(
            SYSTEM, CaseQuery(kind=kind, status=status), PageRequest(0, limit)
        )
    table = Table("id", "kind", "status", "destination", "category", "top finding", "title")
    for c in page.items:
        table.add_row(
            c.id,
            c.kind.value,
            c.status.value,
            c.destination,
            c.product_category,
            c.top_severity.value if c.top_severity else "",
            c.title,
        )
    console.print(table)
    console.print(f"{len(page.items)} of {page.total} shown")


@cases_app.command("show")
def show(case_id: str) -> None:
    """Show a case: status, findings of the last due diligence, history."""
    _, db = open_database()
    with db.read() as tx:
        view = case_service(tx, None).view(SYSTEM, case_id)
    case = view.case
    console.print(
        f"[bold]{case.title}[/bold]  {case.kind.value}  {case.status.value}  v{case.version}"
    )
    if view.runs:
        run = view.runs[-1]
        console.print(f"due diligence {run.at:%Y-%m-%d %H:%M} ({run.trigger}), {run.rules_version}")
        for f in run.findings:
            console.print(f"  [{f.severity}] {f.rule_id}@{f.rule_version}: {f.summary}")
    for e in view.events:
        console.print(
            f"  {e.at:%Y-%m-%d %H:%M} {e.actor} {e.verb} {e.from_status} -> {e.to_status}"
        )


@cases_app.command("recheck")
def recheck() -> None:
    """Re-run due diligence on every open case whose lists, registry or restrictions changed
    since its last run (run it after loading a list or importing registry data, or from
    cron)."""
    settings, db = open_database()
    desk = screening_desk(db, screening_index_root(settings))
    cases = node_cases(settings, desk, partial(denial_exchange, settings=settings))
    with db.write() as tx:
        done = cases(tx).recheck(SYSTEM)
    console.print(f"due diligence re-run on {len(done)} case(s)")
    for case_id in done:
        console.print(f"  {case_id}")


@cases_app.command("policy")
def policy() -> None:
    """Print the policy rules in force, with versions and citations."""
    rules = shipped_rules()
    console.print(f"{rules.name} {rules.version} (published {rules.published})")
    for r in rules.rules:
        console.print(f"  {r.ref:50} {r.severity.value:9} {r.title}")
        console.print(f"      {r.citation}", style="dim")
