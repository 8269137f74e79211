"""``pallmall attestation``: the form in force, a vendor's attestation as the node reads it
against the registry, and the check of an attestation anyone can run with the log's vkey."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pallmall.attestation import shipped_form
from pallmall.attestation.verify import verify_attestation
from pallmall.cli.context import open_database
from pallmall.core.errors import InvalidInput, NotFound
from pallmall.wiring import attestation_service as build_service

attestation_app = typer.Typer(
    help="Vendor self-attestation: the form, a vendor's attestation, its check.",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)


@attestation_app.command("form")
def form() -> None:
    """Print the form in force: sections and questions, with their kinds."""
    f = shipped_form()
    console.print(f"[bold]{f.ref}[/bold] published {f.published}, valid {f.valid_days} days")
    for s in f.sections:
        console.print(f"[bold]{s.title}[/bold]")
        for q in s.questions:
            need = " (required)" if q.required else ""
            console.print(f"  {q.id} ({q.kind}){need}: {q.text}", markup=False)


@attestation_app.command("show")
def show(vendor_id: Annotated[str, typer.Argument(help="the vendor's registry record id")]) -> None:
    """The attestation in force for a registry record, and where it differs from the
    registry."""
    _, db = open_database()
    with db.read() as tx:
        standing = build_service(tx).standing(vendor_id)
    if standing is None:
        raise NotFound(f"no attestation for {vendor_id!r}")
    a = standing.attestation
    state = "EXPIRED" if standing.expired else f"valid until {a.expires_on}"
    console.print(f"{a.id}: {a.form} attested {a.attested_at:%Y-%m-%d %H:%M} UTC, {state}")
    for line in standing.differences:
        console.print(f"  differs from the registry: {line}")
    console.print_json(json.dumps(dict(a.answers)))


@attestation_app.command("verify")
def verify(
    attestation: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="the JSON of GET /api/v1/attestations/{id}"
        ),
    ],
    vkey: Annotated[str, typer.Option("--vkey", help="the node's log verifier key")],
) -> None:
    """Check an attestation without trusting the node: its note is signed by the vkey and
    states exactly these answers, vendor, form and time. Exit 2 when it does not."""
    try:
        data = json.loads(attestation.read_text())
    except json.JSONDecodeError as exc:
        raise InvalidInput(str(attestation), f"not JSON: {exc}") from None
    signed = verify_attestation(data.get("attestation", data), vkey)
    console.print("OK: signed by the node for these answers:")
    console.print(signed.rstrip())
