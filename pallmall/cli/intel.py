"""``pallmall import stix``, ``pallmall import incidents`` and ``pallmall export --format
stix|mvt``: threat intel and public victim databases in, exports out.

Imports put STIX 2.1 bundles, MISP JSON and CSV into a TAXII collection, with a report of
what was kept, merged and skipped. Exports write the registry and confirmed incidents as a
STIX 2.1 bundle (public data only: what an anonymous caller of the API gets, safe to share),
or the indicators of a collection as a bundle MVT reads.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from pallmall.core.auth import ANONYMOUS, SYSTEM, Principal
from pallmall.core.errors import Conflict, InvalidInput
from pallmall.disclosure import PUBLIC
from pallmall.intel import exports
from pallmall.intel.granitt import LinkReport, Row, read_rows, state_record_name
from pallmall.intel.importer import Importer
from pallmall.intel.taxii import DEFAULT_COLLECTIONS
from pallmall.registry.lookup import OrganisationsByName, ProductsByName
from pallmall.registry.model import Organisation, OrgKind, Source
from pallmall.registry.service import RegistryService
from pallmall.storage.database import Database
from pallmall.storage.intel import RegistryExportSource, SqlIntelStore
from pallmall.wiring import (
    incident_desk,
    intel_writing,
    organisations_by_name,
    products_by_name,
)

COLLECTIONS = {c.alias: c for c in DEFAULT_COLLECTIONS}
INTEL_FORMATS = ("stix", "mvt")


def import_intel(db: Database, paths: list[Path], collection: str, console: Console) -> None:
    """Import each path (file or folder) into ``collection``, printing one report per file.

    Raises:
        KeyError: never; an unknown collection is refused by the caller's argument check.
    """
    products, organisations = products_by_name(db), organisations_by_name(db)
    spec = COLLECTIONS[collection]
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("importing", total=len(paths))
        reports = []
        for path in paths:
            with intel_writing(db) as store:  # each path commits whole or not at all
                reports.extend(Importer(store, products, organisations).import_path(path, spec))
            progress.advance(task)
    for report in reports:
        console.print(report.summary())


PRODUCT_OF_FILE = {"pegasus": "Pegasus", "candiru": "DevilsTongue"}
"""The product a Granitt file is about, by a word of its file name (``--product`` overrides)."""


def import_incidents(
    db: Database,
    paths: list[Path],
    product: str | None,
    reporter: str | None,
    console: Console,
    add_states: bool = False,
) -> list[LinkReport]:
    """Report one incident per row of each Granitt victim database in ``paths`` (status
    ``reported``: a decider confirms each), as the user ``reporter`` (e-mail; the node's
    system account when None), and print what linked and what did not. Rows already
    imported (the same person, product and dates) are counted, not doubled. With
    ``add_states``, operators the registry lacks are added to it first as public state
    records (by the node's system account), citing the first report that names them.

    Raises:
        InvalidInput: no such reporter, a product that cannot be told or is not in the
            registry, or a file that is not in Granitt's layout (nothing of it is written).
    """
    principal = _reporter(db, reporter)
    reports = []
    for path in paths:
        name = product or _product_of(path)
        product_id = ProductsByName(db.registry).find_product_by_name(name)
        if product_id is None:
            raise InvalidInput("--product", f"{name!r} is not a product in the registry")
        orgs = OrganisationsByName(db.registry)
        text = path.read_text(encoding="utf-8")
        rows, report = _read(text, path, (name, product_id), orgs)
        if add_states and report.unlinked:
            added = _add_states(db, rows, report)
            rows, report = _read(text, path, (name, product_id), orgs)
            report.added_states = added
        with db.write() as tx:
            desk = incident_desk(tx, principal)
            for row in rows:
                try:
                    desk.report(principal, row.draft, f"inc-granitt-{row.key}")
                    report.added += 1
                except Conflict:
                    report.duplicates += 1
        for line in report.lines():
            console.print(line, markup=False)
        reports.append(report)
    return reports


def _read(
    text: str, path: Path, product: tuple[str, str], orgs: OrganisationsByName
) -> tuple[list[Row], LinkReport]:
    try:
        return read_rows(text, path.name, product, orgs)
    except ValueError as exc:
        raise InvalidInput(str(path), str(exc)) from None


def _add_states(db: Database, rows: list[Row], report: LinkReport) -> dict[str, str]:
    """Add each unlinked operator as a public state record, citing the first public report
    of a row that names it; operator name -> new id."""
    cited: dict[str, str] = {}
    for row in rows:
        for op in report.unlinked:
            if op not in cited and f"{op}" in row.draft.public_summary and row.draft.sources:
                cited[op] = row.draft.sources[0].ref
    added: dict[str, str] = {}
    with db.write() as tx:
        registry = RegistryService(tx.registry, tx.audit, tx.outbox)
        for op in report.unlinked:
            name, aliases = state_record_name(op)
            url = cited.get(op)
            sources = (Source(title=f"a public report naming {op} as an operator", url=url),)
            record = Organisation(
                name=name,
                aliases=aliases,
                kinds=(OrgKind.STATE,),
                description="A state named as the operator of spyware in public reports.",
                sources=sources if url else (),
            )
            added[op] = registry.create(SYSTEM, record).id
    return added


def _product_of(path: Path) -> str:
    stem = path.stem.casefold()
    for word, name in PRODUCT_OF_FILE.items():
        if word in stem:
            return name
    raise InvalidInput("--product", f"name the product the rows of {path.name} are about")


def _reporter(db: Database, email: str | None) -> Principal:
    if email is None:
        return SYSTEM
    with db.read() as tx:
        found = tx.accounts.user_by_email(email)
    if found is None or not found[0].active:
        raise InvalidInput("--as", f"no active user {email!r}")
    return found[0].principal()


def export_intel(
    db: Database, fmt: str, collection: str, output: Path | None, console: Console
) -> None:
    """Write the ``stix`` or ``mvt`` export to ``output`` (standard output when None) and
    say on ``console`` what was written and what was left out.

    ``stix``: the public registry and confirmed TLP:CLEAR incidents (as anonymous).
    ``mvt``: the malware and indicators of ``collection``; the local operator may export
    any collection.

    Raises:
        NotFound: ``collection`` is not a collection (``mvt``).
    """
    with db.read() as tx:
        if fmt == "stix":
            registry = RegistryExportSource.load(tx.registry, PUBLIC)
            desk = incident_desk(tx, ANONYMOUS)
            bundle = exports.stix_export(ANONYMOUS, registry, desk, registry.last_change)
            notes: list[str] = []
        else:
            principal = ANONYMOUS if collection == "public" else SYSTEM
            bundle, report = exports.mvt_export(principal, SqlIntelStore(tx.conn), collection)
            notes = [f"left out {n.where}: {n.reason}" for n in report.skipped]
    text = json.dumps(bundle, indent=1, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
        console.print(f"{len(bundle['objects'])} STIX objects written to {output}")
    if notes:
        console.print(f"{len(notes)} indicators MVT cannot read were left out")
